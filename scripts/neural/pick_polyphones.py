#!/usr/bin/env python3
# Picks candidate sentences for the polyphone test sets: up to N per character, each with a
# different neighbourhood. The readings in the fixtures were then labelled by hand.
#
#   pick_polyphones.py              # tests/fixtures/neural/polyphones.tsv (7 per character)
#   pick_polyphones.py --held-out   # tests/fixtures/neural/polyphones-heldout.tsv: corpus
#                                   # texts the first set did not use (6 per character)
import re,random,sys
held_out='--held-out' in sys.argv
if held_out:
    random.seed(11); per_char=6
    srcs=['pdf_hongloumeng_hui01-05.txt','sanguo_yanyi_hui01-08.txt','pdf_debian_maint_guide_zh_p01-18.txt','seg_gold_hanlp.txt']
else:
    random.seed(7); per_char=7
    srcs=['news_renmin_ribao_199801_excerpt.txt','constitution_prc_2018.txt','luxun_a_q_zhengzhuan.txt','luxun_kuangren_riji.txt','seg_gold_ud_gsdsimp_test.txt','pdf_debian_edu_manual_zh_p01-14.txt']
targets="长行重还得地的了着为传调乐觉好都只大数少便种量处发和相差当教应朝几没省参将"
sents=[]
for f in srcs:
    t=open('/work/shared/corpus/'+f).read()
    for s in re.split(r'(?<=[。！？；])|\n',t):
        s=s.strip()
        if held_out: s=re.sub(r'^\S*\t','',s)
        if 8<=len(s)<=45 and re.fullmatch(r'[\u4e00-\u9fa5，、：“”‘’《》（）。！？；]+',s):
            src=f.split('_')[1] if held_out and f.startswith('pdf_') else f.split('_')[0]
            sents.append((src,s))
sents=list(dict.fromkeys(sents))
random.shuffle(sents)
used=set();out=[]
for c in targets:
    ctx=set();n=0
    for src,s in sents:
        if n>=per_char: break
        if s in used: continue
        i=s.find(c)
        if i<0: continue
        k=s[max(0,i-1):i+2]
        if k in ctx: continue
        ctx.add(k);used.add(s);n+=1
        out.append((src,s,i,c))
for o in out: print("\t".join(map(str, o)))
