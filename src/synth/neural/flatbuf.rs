//! A minimal FlatBuffers reader: just enough of the wire format to walk a TFLite model.
//!
//! Every accessor checks its offsets against the buffer, so a truncated or corrupt file
//! gives an error, never a panic or an out-of-bounds read.

use std::fmt;

/// The file is not the FlatBuffer it claims to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrupt(pub &'static str);

impl fmt::Display for Corrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "corrupt model file ({})", self.0)
    }
}

impl std::error::Error for Corrupt {}

pub type Result<T> = std::result::Result<T, Corrupt>;

fn read<const N: usize>(buf: &[u8], at: usize) -> Result<[u8; N]> {
    buf.get(at..at + N)
        .and_then(|s| s.try_into().ok())
        .ok_or(Corrupt("offset past the end"))
}

fn u32_at(buf: &[u8], at: usize) -> Result<u32> {
    read::<4>(buf, at).map(u32::from_le_bytes)
}

/// A table: a position in the buffer plus its vtable.
#[derive(Clone, Copy)]
pub struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
    vtable: usize,
    vtable_len: usize,
}

impl<'a> Table<'a> {
    /// The root table of a buffer.
    pub fn root(buf: &'a [u8]) -> Result<Self> {
        let pos = u32_at(buf, 0)? as usize;
        Table::at(buf, pos)
    }

    fn at(buf: &'a [u8], pos: usize) -> Result<Self> {
        let soffset = i32::from_le_bytes(read::<4>(buf, pos)?);
        let vtable = (pos as i64 - i64::from(soffset))
            .try_into()
            .map_err(|_| Corrupt("vtable before the start"))?;
        let vtable_len = u16::from_le_bytes(read::<2>(buf, vtable)?) as usize;
        Ok(Table {
            buf,
            pos,
            vtable,
            vtable_len,
        })
    }

    /// Where field `index` lives, or `None` when it is absent (default value).
    fn field(&self, index: usize) -> Result<Option<usize>> {
        let entry = 4 + 2 * index;
        if entry + 2 > self.vtable_len {
            return Ok(None);
        }
        let offset = u16::from_le_bytes(read::<2>(self.buf, self.vtable + entry)?) as usize;
        Ok((offset != 0).then_some(self.pos + offset))
    }

    pub fn u8(&self, index: usize, default: u8) -> Result<u8> {
        Ok(match self.field(index)? {
            Some(at) => read::<1>(self.buf, at)?[0],
            None => default,
        })
    }

    pub fn bool(&self, index: usize) -> Result<bool> {
        Ok(self.u8(index, 0)? != 0)
    }

    pub fn i32(&self, index: usize, default: i32) -> Result<i32> {
        Ok(match self.field(index)? {
            Some(at) => i32::from_le_bytes(read::<4>(self.buf, at)?),
            None => default,
        })
    }

    pub fn u32(&self, index: usize, default: u32) -> Result<u32> {
        Ok(match self.field(index)? {
            Some(at) => u32_at(self.buf, at)?,
            None => default,
        })
    }

    pub fn f32(&self, index: usize, default: f32) -> Result<f32> {
        Ok(match self.field(index)? {
            Some(at) => f32::from_le_bytes(read::<4>(self.buf, at)?),
            None => default,
        })
    }

    /// Follows the offset stored in field `index`.
    fn indirect(&self, index: usize) -> Result<Option<usize>> {
        match self.field(index)? {
            Some(at) => Ok(Some(at + u32_at(self.buf, at)? as usize)),
            None => Ok(None),
        }
    }

    pub fn table(&self, index: usize) -> Result<Option<Table<'a>>> {
        self.indirect(index)?
            .map(|at| Table::at(self.buf, at))
            .transpose()
    }

    /// A vector's bytes and length; elements are `elem` bytes wide.
    fn vector(&self, index: usize, elem: usize) -> Result<(&'a [u8], usize)> {
        let Some(at) = self.indirect(index)? else {
            return Ok((&[], 0));
        };
        let len = u32_at(self.buf, at)? as usize;
        let bytes = self
            .buf
            .get(at + 4..at + 4 + len * elem)
            .ok_or(Corrupt("vector past the end"))?;
        Ok((bytes, len))
    }

    pub fn bytes(&self, index: usize) -> Result<&'a [u8]> {
        self.vector(index, 1).map(|(b, _)| b)
    }

    pub fn string(&self, index: usize) -> Result<String> {
        Ok(String::from_utf8_lossy(self.bytes(index)?).into_owned())
    }

    pub fn i32s(&self, index: usize) -> Result<Vec<i32>> {
        let (b, _) = self.vector(index, 4)?;
        Ok(b.chunks_exact(4)
            .map(|c| i32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }

    pub fn f32s(&self, index: usize) -> Result<Vec<f32>> {
        let (b, _) = self.vector(index, 4)?;
        Ok(b.chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }

    pub fn i64s(&self, index: usize) -> Result<Vec<i64>> {
        let (b, _) = self.vector(index, 8)?;
        Ok(b.chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect())
    }

    /// A vector of tables.
    pub fn tables(&self, index: usize) -> Result<Vec<Table<'a>>> {
        let Some(at) = self.indirect(index)? else {
            return Ok(Vec::new());
        };
        let len = u32_at(self.buf, at)? as usize;
        (0..len)
            .map(|i| {
                let slot = at + 4 + 4 * i;
                Table::at(self.buf, slot + u32_at(self.buf, slot)? as usize)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_buffer_is_an_error_not_a_panic() {
        assert!(Table::root(&[]).is_err());
        assert!(Table::root(&[200, 0, 0, 0, 1, 2]).is_err());
    }
}
