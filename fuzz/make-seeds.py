#!/usr/bin/env python3
"""Write the seed corpus of the fuzz targets (fuzz/corpus/<target>/seed-*), from the bundled
data and hand-written valid and invalid inputs. Regression inputs found by fuzzing are kept
beside them as corpus/<target>/crash-* and are not written by this script. Run from anywhere:
python3 fuzz/make-seeds.py"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', 'data')


def data(rel, lines=None):
    with open(os.path.join(DATA, rel), 'rb') as f:
        b = f.read()
    if lines is not None:
        b = b''.join(b.splitlines(keepends=True)[:lines])
    return b


def write(target, name, content):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    if isinstance(content, str):
        content = content.encode('utf-8')
    with open(os.path.join(d, 'seed-' + name), 'wb') as f:
        f.write(content)


# ---- csv: the tokenizer
write('csv', 'plain.csv', 'a,b,c\n1,2,3\n4,5,6\n')
write('csv', 'quoted.csv', 'name,note\n"Stadt ""A""","two\nlines"\n"",x\n')
write('csv', 'semicolon.csv', 'year;weight;kreis\n2007;101,5;03101\n2007;99,25;03102\n')
write('csv', 'bom-crlf.csv', b'\xef\xbb\xbfa,b\r\n1,2\r\n\r\n3,4')
write('csv', 'blank-lines.csv', '\n\na,b\n\n1,2\n\n')
write('csv', 'unterminated.csv', 'a,b\n"open,1\n2,3\n')
write('csv', 'text-after-quote.csv', 'a,b\n"x"y,1\n')
write('csv', 'quote-inside.csv', 'a,b\nx"y,1\n')
write('csv', 'nul.csv', b'a,b\n1,\x002\n')
write('csv', 'invalid-utf8.csv', b'a,b\n\xff\xfe,\xc3\x28\n')
write('csv', 'many-fields.csv', ','.join(['x'] * 300) + '\n')
write('csv', 'trailing-quote.csv', 'a,"b"')

# ---- extract: the canonical CSV extract
HEAD = 'year,kreis,psu,stratum,weight,age,sex,mig,ilo,selfemp,sector'
write('extract', 'example-2007.csv', data('examples/example-2007.csv', 25))
write('extract', 'minimal.csv',
      'year,kreis,weight,age,mig,ilo,selfemp,sector\n'
      '2007,03101,120.5,34,1,1,0,4\n2007,03102,80,70,0,3,0,0\n2007,03241,95,40,2,2,0,0\n')
write('extract', 'schicht-only.csv',
      'year,schicht,weight,age,mig,ilo,selfemp,sector\n2007,RA_01,100,30,0,1,1,2\n'
      '2007,RA_03+RA_04,50,22,1,2,0,0\n')
write('extract', 'semicolon-decimal-comma.csv',
      'year;kreis;weight;age;sex;mig;ilo;selfemp;sector\n'
      '2007;03101;101,5;30;1;0;1;0;3\n2007;03101;99,75;45;2;1;1;1;1\n')
write('extract', 'bom-crlf-quoted.csv',
      b'\xef\xbb\xbf"year","kreis","weight","age","mig","ilo","selfemp","sector","extra"\r\n'
      b'"2007","03101","100","30","0","3","0","0","note, with comma"\r\n'
      b'2007,03152,100.25,64,1,1,0,2,')
write('extract', 'design.csv', HEAD + ',synthetic\n'
      '2007,03101,P1,S1,100,30,1,0,1,0,4,1\n2007,03101,P2,S1,100,31,2,1,2,0,0,1\n'
      '2007,03102,P3,S2,90,50,1,2,1,1,3,1\n')
write('extract', 'hannover-split.csv',
      'year,kreis,weight,age,mig,ilo,selfemp,sector\n2007,03241001,100,30,0,1,0,4\n'
      '2007,03241999,100,30,0,1,0,4\n')
write('extract', 'hannover-both.csv',
      'year,kreis,weight,age,mig,ilo,selfemp,sector\n2007,03241,100,30,0,1,0,4\n'
      '2007,03241001,100,30,0,1,0,4\n')
write('extract', 'lost-leading-zero.csv',
      'year,kreis,weight,age,mig,ilo,selfemp,sector\n2007,3101,100,30,0,1,0,4\n')
write('extract', 'kreis-not-valid-in-year.csv',
      'year,kreis,weight,age,mig,ilo,selfemp,sector\n2007,03159,100,30,0,1,0,4\n')
write('extract', 'bad-weights.csv',
      'year,kreis,weight,age,mig,ilo,selfemp,sector\n2007,03101,nan,30,0,1,0,4\n'
      '2007,03101,-5,30,0,1,0,4\n2007,03101,1e400,30,0,1,0,4\n')
write('extract', 'bad-codes.csv',
      'year,kreis,weight,age,mig,ilo,selfemp,sector\n2007,03101,100,30.5,3,4,2,5\n')
write('extract', 'other-year.csv',
      'year,kreis,weight,age,mig,ilo,selfemp,sector\n2007,03101,100,30,0,3,0,0\n'
      '2008,03101,100,30,0,3,0,0\n')
write('extract', 'short-long-rows.csv',
      'year,kreis,weight,age,mig,ilo,selfemp,sector\n2007,03101,100\n'
      '2007,03101,100,30,0,3,0,0,1,2\n')
write('extract', 'header-only.csv', 'year,kreis,weight,age,mig,ilo,selfemp,sector\n')
write('extract', 'duplicate-column.csv', 'year,kreis,weight,age,mig,ilo,selfemp,sector,age\n')
write('extract', 'missing-column.csv', 'year,kreis,weight,age,mig,ilo,selfemp\n')
write('extract', 'psu-without-stratum.csv',
      'year,kreis,psu,weight,age,mig,ilo,selfemp,sector\n')
write('extract', 'empty.csv', '')
write('extract', 'binary.bin', bytes(range(256)))

# ---- gazetteer
write('gazetteer', 'gazetteer-ni.csv', data('regions/gazetteer-ni.csv'))
write('gazetteer', 'excerpt.csv', data('regions/gazetteer-ni.csv', 6))
GH = 'ags,name,short_name,kind,parent,schicht,schicht_name,valid_from,valid_to\n'
write('gazetteer', 'hannover.csv', GH +
      '03241,Region Hannover,Hannover,region,,RA_03+RA_04,Hannover,2001,\n'
      '03241001,Hannover Stadt,Hannover-S,teilregion,03241,RA_03,Hannover,2001,\n'
      '03241999,Hannover Umland,Hannover-U,teilregion,03241,RA_04,Hannover,2001,\n')
write('gazetteer', 'ended.csv', GH +
      '03152,Landkreis Göttingen,Göttingen,landkreis,,RA_07,Süd,1977,2016\n'
      '03159,Landkreis Göttingen,Göttingen,landkreis,,RA_07,Süd,2016,\n')
write('gazetteer', 'bad-kind.csv', GH + '03101,A,A,stadt,,RA_01,X,1977,\n')
write('gazetteer', 'duplicate.csv', GH + '03101,A,A,landkreis,,RA_01,X,1977,\n'
      '03101,B,B,landkreis,,RA_01,X,1977,\n')
write('gazetteer', 'bad-years.csv', GH + '03101,A,A,landkreis,,RA_01,X,1977,1970\n')
write('gazetteer', 'missing-column.csv', 'ags,name,kind\n03101,A,landkreis\n')
write('gazetteer', 'short-row.csv', GH + '03101,A\n')
write('gazetteer', 'no-units.csv', GH)

# ---- geo: GeoJSON
write('geo', 'hannover-split.geojson', data('geo/hannover-split.geojson'))
SQ = '[[0,0],[10,0],[10,10],[0,10],[0,0]]'
SQ2 = '[[10,0],[20,0],[20,10],[10,10],[10,0]]'
HOLE = '[[2,2],[4,2],[4,4],[2,4],[2,2]]'


def feat(ags, geom, kind='landkreis'):
    return ('{"type":"Feature","properties":{"ags":"%s","name":"N %s","kind":"%s"},'
            '"geometry":%s}' % (ags, ags, kind, geom))


def fc(*features):
    return '{"type":"FeatureCollection","features":[%s]}' % ','.join(features)


write('geo', 'two-neighbours.geojson',
      fc(feat('03101', '{"type":"Polygon","coordinates":[%s]}' % SQ),
         feat('03102', '{"type":"Polygon","coordinates":[%s]}' % SQ2)))
write('geo', 'multipolygon-hole.geojson',
      fc(feat('03103', '{"type":"MultiPolygon","coordinates":[[%s,%s],[%s]]}' % (SQ, HOLE, SQ2)),
         '{"type":"Feature","properties":null,"geometry":{"type":"Polygon","coordinates":[%s]}}'
         % SQ))
write('geo', 'unclosed-ring.geojson',
      fc(feat('03101', '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,2]]]}')))
write('geo', 'number-ags.geojson',
      '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ags":3101},'
      '"geometry":{"type":"Polygon","coordinates":[%s]}}]}' % SQ)
write('geo', 'duplicate-ags.geojson',
      fc(feat('03101', '{"type":"Polygon","coordinates":[%s]}' % SQ),
         feat('03101', '{"type":"Polygon","coordinates":[%s]}' % SQ2)))
write('geo', 'point.geojson',
      fc(feat('03101', '{"type":"Point","coordinates":[1,2]}')))
write('geo', 'duplicate-key.geojson', '{"type":"FeatureCollection","type":"x","features":[]}')
write('geo', 'invalid.json', '{"type":"FeatureCollection","features":[{]}')
write('geo', 'empty-collection.geojson', '{"type":"FeatureCollection","features":[]}')

# ---- tabulated
write('tabulated', 'lsn-2019-land.csv', data('examples/lsn-2019-land.csv'))
TH = 'year,region,ages,group,measure,weighted,n\n'
write('tabulated', 'kreise.csv', TH +
      '2019,03101,all,with,population,60000,600\n2019,03101,all,without,population,190000,1900\n'
      '2019,03101,18-64,with,employed,30000,300\n2019,03101,18-64,without,employed,120000,\n'
      '2019,03101,18-64,all,unemployed,9000,90\n2019,RA_01,all,all,self_employed,50000,\n'
      '2019,03,15-64,all,employed,4000000,\n')
write('tabulated', 'two-files.csv', TH + '2019,03101,all,with,population,60000,600\n'
      '\f' + TH + '2019,03102,all,with,population,20000,200\n'
      '\f' + TH + '2019,03102,all,with,population,20000,200\n')
write('tabulated', 'semicolon.csv',
      'year;region;ages;group;measure;weighted\n2019;03101;all;all;employed;1234,5\n')
write('tabulated', 'contradiction.csv', TH +
      '2019,03101,all,with,population,100,\n2019,03101,all,without,population,100,\n'
      '2019,03101,all,all,population,500,\n')
write('tabulated', 'bad-values.csv', TH + '2019,03101,all,with,population,-1,\n'
      '2019,X,70-10,some,height,1e999,1.5\n')
write('tabulated', 'header-only.csv', TH)

# ---- profile (+ data after a form feed)
write('profile', 'canonical.ini', data('profiles/canonical.ini'))
write('profile', 'mz-2020.ini', data('profiles/mz-2020.ini'))
EF = data('profiles/mz-ef-2005-2007.ini').decode('utf-8')
EF = EF.replace('CHECK_kreis', 'EF4').replace('CHECK_migration_status', 'MIG') \
       .replace('CHECK_ilo_status', 'ILO').replace('CHECK_stellung_im_beruf', 'EF117') \
       .replace('CHECK_wz2003_abteilung', 'EF137').replace('CHECK_bundesland', 'EF1')
write('profile', 'ef-with-data.ini', EF + '\f' +
      'EF1,EF4,EF952,EF44,EF46,MIG,ILO,EF117,EF137\n'
      '3,101,0.1,30,1,1,1,1,15\n3,102,0.12,44,2,2,3,0,\n9,101,0.1,30,1,1,1,1,15\n'
      '3,101,0.09,70,2,3,4,,\n')
write('profile', 'letters-semicolon.ini',
      '[profile]\nname = letters\nvalue_labels = ignore\nnot_employed = zero\n'
      '[fields]\nyear = J\nkreis = K\nweight = W\nage = A\nmig = M\nilo = E\n'
      'selfemp = S\nsector = WZ\nsex = G?\n[recode.sector]\nA = 1\nB-F = 2\nG-I = 3\nJ-U = 4\n'
      'missing = 0\n[recode.mig]\n0..0 = 0\n1-2 = 1\n* = 2\n[recode.kreis]\nBS = 03101\n'
      '\fJ;K;W;A;M;E;S;WZ\n2007;BS;100,5;30;0;1;0;C\n2007;BS;90;20;3;2;0;\n')
write('profile', 'schicht-const.ini',
      '[profile]\nweight_scale = 1000\n[const]\nyear = 2007\nschicht = RA_01\n'
      '[fields]\nweight = w\nage = a\nmig = m\nilo = i\nselfemp = s\nsector = b\n'
      'psu = p\nstratum = st\n[verified]\nweight = yes\n'
      '\fw,a,m,i,s,b,p,st\n0.1,30,0,1,0,2,P1,S1\n')
write('profile', 'bad-section.ini', '[profil]\nname = x\n')
write('profile', 'syntax-error.ini', '[fields]\nyear\n')
write('profile', 'long-line.ini', '[profile]\nname = ' + 'x' * 300 + '\n')
write('profile', 'duplicate-field.ini', '[fields]\nyear = a\nyear = b\n')
write('profile', 'recode-weight.ini', '[fields]\nweight = w\n[recode.weight]\n1 = 2\n')

# ---- config: the config file of mzatlas batch
with open(os.path.join(HERE, '..', 'docs', 'examples', 'batch.ini'), 'rb') as f:
    write('config', 'batch-example.ini', f.read())
write('config', 'year-without-input.ini', '[batch]\nout = x\n[year 2007]\nmin-count = 100\n')
write('config', 'bad-period.ini', '[rules 2020-2010]\nmin-count = 1\n')
write('config', 'no-section.ini', 'out = x\n')
write('config', 'inputs.ini', '[inputs]\ninput = a.csv\ninput = /abs/b.csv\n[year 2017]\n'
      'input = c.csv\nprofile = p.ini\nmh-definition = wide\n[year 2017]\ninput = d.csv\n')
write('config', 'bad-setting.ini', '[batch]\njobs = many\nfoo = 1\n')
