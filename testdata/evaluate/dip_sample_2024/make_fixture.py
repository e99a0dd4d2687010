#!/usr/bin/env python3
# Writes extract/: the published 19-plan dip sample as a synthetic extract (see README.md).
# Run it again only to change the fixture; the tests read the CSV files.
import datetime as dt, csv, os, random
D=dt.date
out=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'extract')
# Windows with equal 91-day baseline and follow-up (so growth:0.40 gives 141 x 1.4 = 197.4 exactly)
shapes=[  # opened, finalised
 (D(2024,4,1),  D(2024,8,31)),   # baseline Jan 1-Mar 31, follow-up Sep 1-Nov 30
 (D(2024,4,15), D(2024,9,9)),    # baseline Jan 15-Apr 14, follow-up Sep 10-Dec 9
 (D(2024,7,1),  D(2024,8,31)),   # baseline Apr 1-Jun 30, follow-up Sep 1-Nov 30
 (D(2024,7,15), D(2024,9,14)),   # baseline Apr 15-Jul 14, follow-up Sep 15-Dec 14
]
def addm(d,m):
    y=d.year+(d.month-1+m)//12; mo=(d.month-1+m)%12+1
    return D(y,mo,d.day)
# (baseline count, observed count) for the 19 published plans
plans=[(3,0),(4,0),(5,0),(6,0),(8,0),(10,0),
       (8,1),(8,1),(8,1),(9,1),(9,1),(10,1),(10,1),(11,1),(12,1),
       (4,3),(5,3),(5,4),(6,4)]
assert sum(b for b,_ in plans)==141 and sum(o for _,o in plans)==23
persons=[]; occ=[]; ass=[]; ans=[]; pmps=[]; eng=[]
n=[0]
def o(v,p,day,kind='incident'):
    n[0]+=1; occ.append((f'O{n[0]:04d}',day.isoformat(),v,p,kind,''))
def spread(v,p,start,end,k):
    days=(end-start).days
    for i in range(k):
        o(v,p,start+dt.timedelta(days=(2*i+1)*days//(2*k)))
def assess(aid,v,p,day,yes):
    ass.append((aid,'dash_police_2009',day.isoformat(),v,p,'','standard'))
    for q in range(1,28):
        ans.append((aid,f'Q{q}','yes' if q in yes else 'no'))
rnd=random.Random(7)
for i,(b,obs) in enumerate(plans):
    v,p=f'V{i+1:02d}',f'P{i+1:02d}'
    persons += [(v,1985+i%10,'female','',''),(p,1980+i%10,'male','','')]
    opened,fin=shapes[i%4]
    bstart=addm(opened,-3)
    spread(v,p,bstart,opened,b)
    # earlier history: fewer incidents 4-12 months before opening (a rise)
    spread(v,p,addm(opened,-12),bstart,max(1,b//3))
    # one incident during the plan (between opening and finalisation): not counted
    o(v,p,opened+dt.timedelta(days=10))
    fstart=fin+dt.timedelta(days=1)
    spread(v,p,fstart,addm(fstart,3),obs)
    assess(f'A{i+1:02d}',v,p,bstart+dt.timedelta(days=5),{1,4,11})
    pmps.append((f'PMP{i+1:02d}',v,p,opened.isoformat(),fin.isoformat(),'finalised','3'))
    if i%3==0:  # a third of victims engaged with an IDVA from the plan's opening
        eng.append((v,'idva',opened.isoformat(),addm(opened,9).isoformat()))
# plans that cannot be evaluated: still open; follow-up past the extract's end
for j,(pid,fin,status) in enumerate([('PMP-OPEN','', 'open'),('PMP-LATE','2025-05-20','finalised')]):
    v,p=f'V{30+j}',f'P{30+j}'
    persons += [(v,1990,'female','',''),(p,1988,'male','','')]
    opened=D(2025,3,1)
    spread(v,p,D(2024,12,1),opened,4)
    assess(f'A{30+j}',v,p,D(2024,12,10),{1,4,11})
    pmps.append((pid,v,p,opened.isoformat(),fin,status,'3'))
# comparison pool: 60 relationships with no plan, similar counts, windows as the plans';
# their incidents fall back after a spike too (regression to the mean)
for k in range(60):
    v,p=f'CV{k+1:02d}',f'CP{k+1:02d}'
    persons += [(v,1986+k%10,'female','',''),(p,1982+k%10,'male','','')]
    opened,fin=shapes[k%4]
    b=3+k%10
    bstart=addm(opened,-3)
    spread(v,p,bstart,opened,b)
    spread(v,p,addm(opened,-12),bstart,max(1,b//3))
    fstart=fin+dt.timedelta(days=1)
    spread(v,p,fstart,addm(fstart,3),max(0,round(b*0.45)))
    assess(f'CA{k+1:02d}',v,p,bstart+dt.timedelta(days=5),{1,4,11})
# the extract's first occurrence, so every 12-month baseline is inside the data
o('CV01','CP01',D(2023,1,5))
def w(name,header,rows):
    with open(os.path.join(out,name),'w',newline='') as f:
        c=csv.writer(f,lineterminator='\n'); c.writerow(header); c.writerows(rows)
w('persons.csv',['person_id','birth_year','sex','ethnicity','area'],persons)
occ.sort(key=lambda r:(r[1],r[0]))
w('occurrences.csv',['occurrence_id','reported_at','victim_id','perpetrator_id','kind','offence_code'],occ)
w('assessments.csv',['assessment_id','instrument','completed_at','victim_id','perpetrator_id','occurrence_id','officer_grade'],ass)
w('answers.csv',['assessment_id','item','answer'],ans)
w('pmps.csv',['pmp_id','victim_id','perpetrator_id','opened_at','finalised_at','status','stage_at_opening'],pmps)
w('engagement.csv',['person_id','agency','started_at','ended_at'],eng)
open(os.path.join(out,'extract.json'),'w').write('{"extracted_at": "2025-06-30", "source": "tau testdata: the published 19-plan dip sample, synthetic"}\n')
print(len(occ),'occurrences')
