/* test_extract.c — the canonical extract reader (mz_extract.h): each valid variant of the file
 * layout and each invalid record, with the exact parts of its message. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../microcensus/util.h"
#include "mzatlas/mz_extract.h"
#include "mzatlas/mz_run.h"
#include "testutil.h"

static mz_gazetteer_t *gz;

static void load_gazetteer(void)
{
    char path[4096];
    tu_data_path("regions/gazetteer-ni.csv", path, sizeof path);
    mz_error_t err;
    gz = mz_gazetteer_load(path, &err);
    cr_assert_not_null(gz, "%s", err.message);
    mz_set_lang(MZ_LANG_DE);
}

static void free_gazetteer(void)
{
    mz_gazetteer_destroy(gz);
    gz = NULL;
    mz_set_lang(MZ_LANG_DE);
}

TestSuite(extract, .init = load_gazetteer, .fini = free_gazetteer);

#define S(lit) lit, sizeof(lit) - 1

/* Read a whole buffer; render every record as one line of text. Returns the last rc. */
typedef struct readout {
    char text[4096];
    int rc;
    int records;
    mz_error_t err;
    bool design, synthetic;
    int year;
} readout_t;

static void read_all(const char *data, size_t size, int year, readout_t *out)
{
    mz_extract_options_t opt = {.year = year, .gazetteer = gz};
    memset(out, 0, sizeof *out);
    mz_extract_reader_t *r = mz_extract_open_mem("t.csv", data, size, &opt, &out->err);
    if (!r) {
        out->rc = -2; /* the header was refused */
        return;
    }
    mz_record_t rec;
    size_t o = 0;
    int rc;
    while ((rc = mz_extract_next(r, &rec, &out->err)) == 1) {
        out->records++;
        const char *ags = rec.unit >= 0 ? mz_gazetteer_unit(gz, (size_t)rec.unit)->ags : "-";
        o += (size_t)snprintf(out->text + o, sizeof out->text - o,
                              "L%ld %d %s %s w=%.10g a=%d x=%d m=%d i=%d se=%d sec=%d", rec.line,
                              rec.year, ags, mz_gazetteer_stratum_code(gz, (size_t)rec.stratum),
                              rec.weight, rec.age, rec.sex, rec.mig, rec.ilo, rec.selfemp,
                              rec.sector);
        if (rec.psu)
            o += (size_t)snprintf(out->text + o, sizeof out->text - o, " psu=%s/%s",
                                  rec.design_stratum, rec.psu);
        o += (size_t)snprintf(out->text + o, sizeof out->text - o, ";");
    }
    out->rc = rc;
    out->design = mz_extract_has_design(r);
    out->synthetic = mz_extract_is_synthetic(r);
    out->year = mz_extract_year(r);
    mz_extract_close(r);
}

/* ---------------------------------------------------------------- valid variants */

typedef struct valid_case {
    const char *name;
    const char *data;
    size_t size;
    const char *text; /* expected records */
} valid_case_t;

#define HDR "year,kreis,weight,age,sex,mig,ilo,selfemp,sector\n"
#define ID50 "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP"
#define ID200 ID50 ID50 ID50 ID50
#define ID201 ID200 "X"
#define R1 "L2 2007 03101 RA_01 w=123.5 a=30 x=1 m=0 i=1 se=0 sec=2;"
#define R2 "L3 2007 03153 RA_02 w=80 a=45 x=2 m=2 i=2 se=0 sec=0;"
#define R3 "L4 2007 03405 RA_09 w=99.25 a=70 x=1 m=1 i=1 se=1 sec=4;"

static const valid_case_t valid_cases[] = {
    {"comma",
     S(HDR "2007,03101,123.5,30,1,0,1,0,2\n2007,03153,80,45,2,2,2,0,0\n"
           "2007,03405,99.25,70,1,1,1,1,4\n"),
     R1 R2 R3},
    {"semicolon with decimal comma",
     S("year;kreis;weight;age;sex;mig;ilo;selfemp;sector\n2007;03101;123,5;30;1;0;1;0;2\n"
       "2007;03153;80;45;2;2;2;0;0\n2007;03405;99,25;70;1;1;1;1;4\n"),
     R1 R2 R3},
    {"semicolon with decimal point",
     S("year;kreis;weight;age;sex;mig;ilo;selfemp;sector\n2007;03101;123.5;30;1;0;1;0;2\n"),
     R1},
    {"semicolon with decimal points throughout and a whole weight",
     S("year;kreis;weight;age;sex;mig;ilo;selfemp;sector\n2007;03101;123.5;30;1;0;1;0;2\n"
       "2007;03153;80;45;2;2;2;0;0\n2007;03405;99.25;70;1;1;1;1;4\n"),
     R1 R2 R3},
    {"utf-8 bom", S("\xEF\xBB\xBF" HDR "2007,03101,123.5,30,1,0,1,0,2\n"), R1},
    {"crlf",
     S("year,kreis,weight,age,sex,mig,ilo,selfemp,sector\r\n2007,03101,123.5,30,1,0,1,0,2\r\n"
       "2007,03153,80,45,2,2,2,0,0\r\n"),
     R1 R2},
    {"no final newline", S(HDR "2007,03101,123.5,30,1,0,1,0,2\n2007,03153,80,45,2,2,2,0,0"),
     R1 R2},
    {"quoted fields with escaped quotes and a quoted separator",
     S("year,kreis,note,weight,age,sex,mig,ilo,selfemp,sector\n"
       "\"2007\",\"03101\",\"a, b; \"\"c\"\"\",\"123.5\",30,1,0,1,0,2\n"
       "2007,03153,\"\",80,45,2,2,2,0,0\n"),
     R1 R2},
    {"quoted decimal comma in a semicolon file",
     S("year;kreis;weight;age;sex;mig;ilo;selfemp;sector\n2007;\"03101\";\"123,5\";30;1;0;1;0;2\n"),
     R1},
    {"columns in any order, any case",
     S("Sector,SELFEMP,ilo,mig,sex,age,weight,Kreis,YEAR\n2,0,1,0,1,30,123.5,03101,2007\n"
       "0,0,2,2,2,45,80,03153,2007\n"),
     R1 R2},
    {"unknown extra columns",
     S("id,year,kreis,foo,weight,age,sex,mig,ilo,selfemp,sector,bar\n"
       "1,2007,03101,x,123.5,30,1,0,1,0,2,\n2,2007,03153,,80,45,2,2,2,0,0,y y\n"),
     R1 R2},
    {"blank lines",
     S("\n" HDR "\n2007,03101,123.5,30,1,0,1,0,2\n\r\n2007,03153,80,45,2,2,2,0,0\n\n\n"),
     "L4 2007 03101 RA_01 w=123.5 a=30 x=1 m=0 i=1 se=0 sec=2;"
     "L6 2007 03153 RA_02 w=80 a=45 x=2 m=2 i=2 se=0 sec=0;"},
    {"blanks around header names and codes",
     S(" year , kreis ,weight,age,sex,mig,ilo,selfemp,sector\n2007,03101,123.5, 30 ,1, 0,1,0,2\n"),
     R1},
    {"sex column absent",
     S("year,kreis,weight,age,mig,ilo,selfemp,sector\n2007,03101,123.5,30,0,1,0,2\n"),
     "L2 2007 03101 RA_01 w=123.5 a=30 x=0 m=0 i=1 se=0 sec=2;"},
    {"sex empty", S(HDR "2007,03101,123.5,30,,0,1,0,2\n"),
     "L2 2007 03101 RA_01 w=123.5 a=30 x=0 m=0 i=1 se=0 sec=2;"},
    {"region hannover whole", S(HDR "2007,03241,50,30,1,0,1,0,2\n2007,03241,60,31,1,1,3,0,0\n"),
     "L2 2007 03241 RA_03+RA_04 w=50 a=30 x=1 m=0 i=1 se=0 sec=2;"
     "L3 2007 03241 RA_03+RA_04 w=60 a=31 x=1 m=1 i=3 se=0 sec=0;"},
    {"region hannover split",
     S(HDR "2007,03241001,50,30,1,0,1,0,2\n2007,03241999,60,31,1,1,3,0,0\n"),
     "L2 2007 03241001 RA_03 w=50 a=30 x=1 m=0 i=1 se=0 sec=2;"
     "L3 2007 03241999 RA_04 w=60 a=31 x=1 m=1 i=3 se=0 sec=0;"},
    {"schicht only",
     S("year,schicht,weight,age,sex,mig,ilo,selfemp,sector\n2007,RA_05,70,0,2,0,3,0,0\n"
       "2007,RA_11,80,120,1,2,3,0,0\n"),
     "L2 2007 - RA_05 w=70 a=0 x=2 m=0 i=3 se=0 sec=0;"
     "L3 2007 - RA_11 w=80 a=120 x=1 m=2 i=3 se=0 sec=0;"},
    {"kreis and schicht columns, some records schicht only",
     S("year,kreis,schicht,weight,age,sex,mig,ilo,selfemp,sector\n"
       "2007,03101,RA_01,123.5,30,1,0,1,0,2\n2007,,RA_02,80,45,2,2,2,0,0\n"),
     R1 "L3 2007 - RA_02 w=80 a=45 x=2 m=2 i=2 se=0 sec=0;"},
    {"design columns",
     S("year,kreis,psu,stratum,weight,age,sex,mig,ilo,selfemp,sector\n"
       "2007,03101,P1,S1,123.5,30,1,0,1,0,2\n"),
     "L2 2007 03101 RA_01 w=123.5 a=30 x=1 m=0 i=1 se=0 sec=2 psu=S1/P1;"},
    {"weights: exponent, leading plus, tiny and the largest accepted",
     S(HDR "2007,03101,1.5e2,30,1,0,1,0,2\n2007,03101,+7,30,1,0,1,0,2\n"
           "2007,03101,0.001,30,1,0,1,0,2\n2007,03101,100000,30,1,0,1,0,2\n"),
     "L2 2007 03101 RA_01 w=150 a=30 x=1 m=0 i=1 se=0 sec=2;"
     "L3 2007 03101 RA_01 w=7 a=30 x=1 m=0 i=1 se=0 sec=2;"
     "L4 2007 03101 RA_01 w=0.001 a=30 x=1 m=0 i=1 se=0 sec=2;"
     "L5 2007 03101 RA_01 w=100000 a=30 x=1 m=0 i=1 se=0 sec=2;"},
    {"units valid in 2017",
     S(HDR "2017,03159,10,30,1,0,1,0,2\n2017,03101,10,30,1,0,1,0,2\n"),
     "L2 2017 03159 RA_02 w=10 a=30 x=1 m=0 i=1 se=0 sec=2;"
     "L3 2017 03101 RA_01 w=10 a=30 x=1 m=0 i=1 se=0 sec=2;"},
    {"extra empty fields at the end of a row", S(HDR "2007,03101,123.5,30,1,0,1,0,2,,\n"), R1},
    {"psu and sampling stratum of 200 bytes",
     S("year,kreis,psu,stratum,weight,age,sex,mig,ilo,selfemp,sector\n"
       "2007,03101," ID200 "," ID200 ",123.5,30,1,0,1,0,2\n"),
     "L2 2007 03101 RA_01 w=123.5 a=30 x=1 m=0 i=1 se=0 sec=2 psu=" ID200 "/" ID200 ";"},
};

/* Every table case is read twice: with the fast record parser and with the general code. */
static const char *const path_name[2] = {"general path", "fast path"};

Test(extract, valid_variants)
{
    for (int fast = 0; fast < 2; fast++) {
        mz_set_fast_paths(fast);
        for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
            const valid_case_t *k = &valid_cases[i];
            readout_t r;
            read_all(k->data, k->size, 0, &r);
            cr_expect_eq(r.rc, 0, "%s (%s): rc %d: line %ld column '%s' value '%s': %s", k->name,
                         path_name[fast], r.rc, r.err.line, r.err.column, r.err.value,
                         r.err.message);
            cr_expect_str_eq(r.text, k->text, "%s (%s):\n got  %s\n want %s", k->name,
                             path_name[fast], r.text, k->text);
        }
    }
}

Test(extract, reader_properties)
{
    readout_t r;
    read_all(S("year,kreis,psu,stratum,weight,age,mig,ilo,selfemp,sector,synthetic\n"
               "2007,03101,P1,S1,1,30,0,1,0,2,1\n"),
             0, &r);
    cr_expect_eq(r.rc, 0);
    cr_expect(r.design);
    cr_expect(r.synthetic);
    cr_expect_eq(r.year, 2007);
    read_all(S(HDR "2007,03101,123.5,30,1,0,1,0,2\n"), 0, &r);
    cr_expect_not(r.design);
    cr_expect_not(r.synthetic);
    /* the expected year is taken as given */
    read_all(S(HDR "2007,03101,123.5,30,1,0,1,0,2\n"), 2007, &r);
    cr_expect_eq(r.rc, 0);
    cr_expect_eq(r.year, 2007);
}

/* ---------------------------------------------------------------- invalid input */

typedef struct error_case {
    const char *name;
    const char *data;
    size_t size;
    int year;            /* expected year given to the reader (0: the records') */
    long line;
    const char *column;  /* exact column in the error ("" when none) */
    const char *value;   /* exact value in the error (NULL: not checked) */
    const char *message; /* part of the German message */
} error_case_t;

#define ROW_OK "2007,03101,123.5,30,1,0,1,0,2\n"
#define HANNOVER_WHOLE "2007,03241,1,30,1,0,1,0,2\n"
/* a bad record on line 3, after a good one (Region Hannover given whole) */
#define BAD(name, row, col, val, msg) {name, S(HDR HANNOVER_WHOLE row), 0, 3, col, val, msg}

static const error_case_t error_cases[] = {
    /* file and header */
    {"empty file", S(""), 0, 1, "", "", "leere Datei"},
    {"only blank lines", S("\n\r\n"), 0, 1, "", "", "leere Datei"},
    {"missing column mig", S("year,kreis,weight,age,sex,ilo,selfemp,sector\n" ROW_OK), 0, 1,
     "mig", "", "Pflichtspalte fehlt"},
    {"wrong separator (tab)", S("year\tkreis\tweight\tage\tsex\tmig\tilo\tselfemp\tsector\n"),
     0, 1, "year", "", "Pflichtspalte fehlt in der Kopfzeile (Trennzeichen ',')"},
    {"neither kreis nor schicht", S("year,weight,age,sex,mig,ilo,selfemp,sector\n"), 0, 1,
     "kreis", "", "weder Spalte kreis noch schicht"},
    {"duplicate column", S("year,kreis,weight,age,sex,mig,ilo,selfemp,sector,Age\n"), 0, 1, "age",
     "Age", "doppelt"},
    {"psu without stratum", S("year,kreis,psu,weight,age,sex,mig,ilo,selfemp,sector\n"), 0, 1,
     "stratum", "", "psu und stratum"},
    {"header not utf-8", S("year,kreis,we\xffight,age,sex,mig,ilo,selfemp,sector\n"), 0, 1, "",
     "we\\xFFight", "UTF-8"},
    /* record structure */
    {"short row", S(HDR ROW_OK "2007,03101,123.5,30,1,0,1,0\n"), 0, 3, "sector", "",
     "nur 8 Felder"},
    {"long row (decimal comma in a comma file)", S(HDR ROW_OK "2007,03101,123,5,30,1,0,1,0,2\n"),
     0, 3, "", NULL, "10 Felder"},
    {"unterminated quote", S(HDR ROW_OK "2007,\"03101,123.5,30,1,0,1,0,2\n"), 0, 3, "", "",
     "nicht geschlossen"},
    {"nul byte", S(HDR ROW_OK "2007,03101,12\0003.5,30,1,0,1,0,2\n"), 0, 3, "", "", "NUL"},
    {"kreis not utf-8", S(HDR ROW_OK "2007,031\xff" "01,123.5,30,1,0,1,0,2\n"), 0, 3, "kreis",
     "031\\xFF01", "UTF-8"},
    {"psu not utf-8",
     S("year,kreis,psu,stratum,weight,age,sex,mig,ilo,selfemp,sector\n"
       "2007,03101,P\xc3,S1,123.5,30,1,0,1,0,2\n"),
     0, 2, "psu", "P\\xC3", "UTF-8"},
    {"psu empty",
     S("year,kreis,psu,stratum,weight,age,sex,mig,ilo,selfemp,sector\n"
       "2007,03101,,S1,123.5,30,1,0,1,0,2\n"),
     0, 2, "psu", "", "Auswahlbezirk fehlt"},
    {"sampling stratum empty",
     S("year,kreis,psu,stratum,weight,age,sex,mig,ilo,selfemp,sector\n"
       "2007,03101,P1,,123.5,30,1,0,1,0,2\n"),
     0, 2, "stratum", "", "Auswahlschicht fehlt"},
    /* identifiers longer than MZ_ID_MAX (200) bytes: refused where they stand (200 pass) */
    {"psu of 201 bytes",
     S("year,kreis,psu,stratum,weight,age,sex,mig,ilo,selfemp,sector\n"
       "2007,03101,P1,S1,123.5,30,1,0,1,0,2\n"
       "2007,03101," ID201 ",S1,123.5,30,1,0,1,0,2\n"),
     0, 3, "psu", NULL, "Kennung zu lang (höchstens 200 Bytes)"},
    {"sampling stratum of 201 bytes",
     S("year,kreis,psu,stratum,weight,age,sex,mig,ilo,selfemp,sector\n"
       "2007,03101,P1," ID201 ",123.5,30,1,0,1,0,2\n"),
     0, 2, "stratum", NULL, "Kennung zu lang"},
    /* weights */
    BAD("weight text", "2007,03101,viel,30,1,0,1,0,2\n", "weight", "viel", "Hochrechnungsfaktor"),
    BAD("weight empty", "2007,03101,,30,1,0,1,0,2\n", "weight", "", "Hochrechnungsfaktor"),
    BAD("weight negative", "2007,03101,-5,30,1,0,1,0,2\n", "weight", "-5", "Hochrechnungsfaktor"),
    BAD("weight zero", "2007,03101,0,30,1,0,1,0,2\n", "weight", "0", "Hochrechnungsfaktor"),
    BAD("weight negative zero", "2007,03101,-0.0,30,1,0,1,0,2\n", "weight", "-0.0",
        "Hochrechnungsfaktor"),
    BAD("weight NaN", "2007,03101,NaN,30,1,0,1,0,2\n", "weight", "NaN", "Hochrechnungsfaktor"),
    BAD("weight nan", "2007,03101,nan,30,1,0,1,0,2\n", "weight", "nan", "Hochrechnungsfaktor"),
    BAD("weight inf", "2007,03101,inf,30,1,0,1,0,2\n", "weight", "inf", "Hochrechnungsfaktor"),
    BAD("weight Infinity", "2007,03101,Infinity,30,1,0,1,0,2\n", "weight", "Infinity",
        "Hochrechnungsfaktor"),
    BAD("weight 1e400", "2007,03101,1e400,30,1,0,1,0,2\n", "weight", "1e400",
        "Hochrechnungsfaktor"),
    BAD("weight huge", "2007,03101,1e12,30,1,0,1,0,2\n", "weight", "1e12", "<= 100000"),
    BAD("weight just above the limit", "2007,03101,100000.01,30,1,0,1,0,2\n", "weight",
        "100000.01", "<= 100000"),
    BAD("weight hex", "2007,03101,0x10,30,1,0,1,0,2\n", "weight", "0x10", "Hochrechnungsfaktor"),
    BAD("weight with thousands separator", "2007,03101,1'000,30,1,0,1,0,2\n", "weight", "1'000",
        "Hochrechnungsfaktor"),
    BAD("weight with blank", "2007,03101,12 5,30,1,0,1,0,2\n", "weight", "12 5",
        "Hochrechnungsfaktor"),
    {"weight with decimal comma in a comma file (quoted)",
     S(HDR ROW_OK "2007,03101,\"123,5\",30,1,0,1,0,2\n"), 0, 3, "weight", "123,5",
     "Hochrechnungsfaktor"},
    {"weight with two decimal commas",
     S("year;kreis;weight;age;sex;mig;ilo;selfemp;sector\n2007;03101;1,234,5;30;1;0;1;0;2\n"), 0,
     2, "weight", "1,234,5", "Hochrechnungsfaktor"},
    /* a German spreadsheet's thousands point among decimal commas: 1.234 must not read as
     * 1.234 persons; the message names the line where the file's decimal mark was first seen */
    {"semicolon file: thousands point after decimal commas",
     S("year;kreis;weight;age;sex;mig;ilo;selfemp;sector\n2007;03101;123,5;30;1;0;1;0;2\n"
       "2007;03153;80;45;2;2;2;0;0\n2007;03405;1.234;70;1;1;1;1;4\n"),
     0, 4, "weight", "1.234", "Dezimaltrennzeichen '.', in Zeile 2 war es ','"},
    {"semicolon file: decimal comma after decimal points",
     S("year;kreis;weight;age;sex;mig;ilo;selfemp;sector\n2007;03101;123.5;30;1;0;1;0;2\n"
       "2007;03153;80,5;45;2;2;2;0;0\n"),
     0, 3, "weight", "80,5", "Dezimaltrennzeichen ',', in Zeile 2 war es '.'"},
    /* ages */
    BAD("age 121", "2007,03101,123.5,121,1,0,3,0,0\n", "age", "121", "0 bis 120"),
    BAD("age negative", "2007,03101,123.5,-1,1,0,3,0,0\n", "age", "-1", "0 bis 120"),
    BAD("age fractional", "2007,03101,123.5,30.5,1,0,1,0,2\n", "age", "30.5", "ganze Lebensjahre"),
    BAD("age decimal comma", "2007,03101,123.5,\"30,0\",1,0,1,0,2\n", "age", "30,0",
        "ganze Lebensjahre"),
    BAD("age empty", "2007,03101,123.5,,1,0,1,0,2\n", "age", "", "ganze Lebensjahre"),
    BAD("age huge", "2007,03101,123.5,99999999999,1,0,1,0,2\n", "age", "99999999999",
        "0 bis 120"),
    /* codes */
    BAD("sex 3", "2007,03101,123.5,30,3,0,1,0,2\n", "sex", "3", "1 (männlich) oder 2"),
    BAD("mig 3", "2007,03101,123.5,30,1,3,1,0,2\n", "mig", "3", "0 (ohne MH)"),
    BAD("mig text", "2007,03101,123.5,30,1,ja,1,0,2\n", "mig", "ja", "0 (ohne MH)"),
    BAD("mig empty", "2007,03101,123.5,30,1,,1,0,2\n", "mig", "", "0 (ohne MH)"),
    BAD("ilo 0", "2007,03101,123.5,30,1,0,0,0,0\n", "ilo", "0", "1 (erwerbstätig)"),
    BAD("ilo 4", "2007,03101,123.5,30,1,0,4,0,0\n", "ilo", "4", "1 (erwerbstätig)"),
    BAD("selfemp 2", "2007,03101,123.5,30,1,0,1,2,2\n", "selfemp", "2", "1 (selbständig) oder 0"),
    BAD("sector 5", "2007,03101,123.5,30,1,0,1,0,5\n", "sector", "5", "1–4"),
    BAD("sector -1", "2007,03101,123.5,30,1,0,1,0,-1\n", "sector", "-1", "1–4"),
    BAD("employed without sector", "2007,03101,123.5,30,1,0,1,0,0\n", "sector", "0",
        "Erwerbstätige brauchen einen Wirtschaftsbereich"),
    BAD("unemployed with sector", "2007,03101,123.5,30,1,0,2,0,3\n", "sector", "3",
        "nur bei Erwerbstätigen"),
    BAD("inactive with sector", "2007,03101,123.5,30,1,0,3,0,1\n", "sector", "1",
        "nur bei Erwerbstätigen"),
    BAD("inactive self-employed", "2007,03101,123.5,30,1,0,3,1,0\n", "selfemp", "1",
        "selbständig nur bei Erwerbstätigen"),
    /* regions */
    BAD("unknown kreis", "2007,09162,123.5,30,1,0,1,0,2\n", "kreis", "09162",
        "unbekannter Kreisschlüssel"),
    BAD("kreis with a leading blank", "2007, 03101,123.5,30,1,0,1,0,2\n", "kreis",
        " 03101", "unbekannter Kreisschlüssel"),
    BAD("leading zero lost", "2007,3101,123.5,30,1,0,1,0,2\n", "kreis", "3101",
        "vermutlich 03101 mit verlorener führender Null"),
    BAD("leading zero lost (hannover split)", "2007,3241001,123.5,30,1,0,1,0,2\n", "kreis",
        "3241001", "vermutlich 03241001"),
    BAD("kreis 03159 not valid in 2007", "2007,03159,123.5,30,1,0,1,0,2\n", "kreis", "03159",
        "Landkreis Göttingen gibt es im Erhebungsjahr 2007 nicht (gültig ab 2016)"),
    {"kreis 03152 not valid in 2017", S(HDR "2017,03152,123.5,30,1,0,1,0,2\n"), 0, 2, "kreis",
     "03152", "Landkreis Göttingen gibt es im Erhebungsjahr 2017 nicht (gültig 1977 bis 2015)"},
    {"kreis 03156 not valid in 2017", S(HDR "2017,03101,1,30,1,0,1,0,2\n2017,03156,1,30,1,0,1,0,2\n"),
     0, 3, "kreis", "03156", "gültig 1977 bis 2015"},
    BAD("hannover split after whole", "2007,03241001,1,30,1,0,1,0,2\n",
        "kreis", "03241001", "sowohl als Ganzes"),
    {"hannover whole after split",
     S(HDR "2007,03241999,1,30,1,0,1,0,2\n2007,03101,1,30,1,0,1,0,2\n2007,03241,1,30,1,0,1,0,2\n"),
     0, 4, "kreis", "03241", "sowohl als Ganzes"},
    {"unknown schicht code",
     S("year,schicht,weight,age,sex,mig,ilo,selfemp,sector\n2007,RA_12,70,0,2,0,3,0,0\n"), 0, 2,
     "schicht", "RA_12", "unbekannter Schichtschlüssel"},
    {"schicht does not match the kreis",
     S("year,kreis,schicht,weight,age,sex,mig,ilo,selfemp,sector\n"
       "2007,03101,RA_02,123.5,30,1,0,1,0,2\n"),
     0, 2, "schicht", "RA_02", "passt nicht zur Schicht"},
    {"neither kreis nor schicht in a record",
     S("year,kreis,schicht,weight,age,sex,mig,ilo,selfemp,sector\n2007,,,123.5,30,1,0,1,0,2\n"),
     0, 2, "kreis", "", "Kreis oder Schicht fehlt"},
    /* years */
    BAD("record of another year", "2008,03101,123.5,30,1,0,1,0,2\n", "year", "2008",
        "anderen Jahres (erwartet 2007)"),
    {"record not of the expected year", S(HDR ROW_OK), 2008, 2, "year", "2007",
     "anderen Jahres (erwartet 2008)"},
    BAD("year two digits", "07,03101,123.5,30,1,0,1,0,2\n", "year", "07", "Erhebungsjahr"),
    BAD("year text", "zweitausend,03101,123.5,30,1,0,1,0,2\n", "year", "zweitausend",
        "Erhebungsjahr"),
};

Test(extract, invalid_input)
{
    for (int fast = 0; fast < 2; fast++) {
        mz_set_fast_paths(fast);
        for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
            const error_case_t *k = &error_cases[i];
            if (!k->message[0])
                continue;
            const char *how = path_name[fast];
            readout_t r;
            read_all(k->data, k->size, k->year, &r);
            cr_expect(r.rc == -1 || r.rc == -2, "%s (%s): accepted (rc %d)", k->name, how, r.rc);
            cr_expect_eq(r.err.status, MZ_ERR_DATA, "%s (%s): status %d", k->name, how,
                         r.err.status);
            cr_expect_str_eq(r.err.file, "t.csv", "%s (%s)", k->name, how);
            cr_expect_eq(r.err.line, k->line, "%s (%s): line %ld, expected %ld", k->name, how,
                         r.err.line, k->line);
            cr_expect_str_eq(r.err.column, k->column, "%s (%s): column '%s', expected '%s'",
                             k->name, how, r.err.column, k->column);
            if (k->value)
                cr_expect_str_eq(r.err.value, k->value, "%s (%s): value '%s', expected '%s'",
                                 k->name, how, r.err.value, k->value);
            cr_expect(strstr(r.err.message, k->message) != NULL,
                      "%s (%s): message '%s' lacks '%s'", k->name, how, r.err.message,
                      k->message);
        }
    }
}

Test(extract, one_megabyte_line)
{
    size_t n = 1u << 20;
    char *data = malloc(n + 256);
    cr_assert_not_null(data);
    size_t o = (size_t)sprintf(data, "%s%s2007,03101,", HDR, ROW_OK);
    memset(data + o, '7', n);
    o += n;
    o += (size_t)sprintf(data + o, ",30,1,0,1,0,2\n");
    readout_t r;
    read_all(data, o, 0, &r);
    cr_expect_eq(r.rc, -1);
    cr_expect_eq(r.records, 1);
    cr_expect_eq(r.err.status, MZ_ERR_DATA);
    cr_expect_eq(r.err.line, 3);
    cr_expect(strstr(r.err.message, "länger als") != NULL, "%s", r.err.message);
    free(data);
}

Test(extract, binary_garbage)
{
    unsigned char data[4096];
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof data; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (unsigned char)(x >> 16);
    }
    readout_t r;
    read_all((const char *)data, sizeof data, 0, &r);
    cr_expect(r.rc < 0);
    cr_expect_eq(r.err.status, MZ_ERR_DATA);
    cr_expect_eq(r.records, 0);
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The whole message as the CLI prints it: file:line: column 'x': value 'v': expected … */
Test(extract, formatted_message_de_and_en)
{
    readout_t r;
    char buf[2048];
    read_all(S(HDR ROW_OK "2007,03101,viel,30,1,0,1,0,2\n"), 0, &r);
    mz_error_format(&r.err, buf, sizeof buf);
    cr_expect(starts_with(buf, "t.csv:3: Spalte 'weight': Wert 'viel': erwartet einen"), "%s",
              buf);
    mz_set_lang(MZ_LANG_EN);
    read_all(S(HDR ROW_OK "2007,03101,viel,30,1,0,1,0,2\n"), 0, &r);
    mz_error_format(&r.err, buf, sizeof buf);
    cr_expect(starts_with(buf, "t.csv:3: column 'weight': value 'viel': expected a weight"),
              "%s", buf);
    read_all(S(HDR "2007,3101,1,30,1,0,1,0,2\n"), 0, &r);
    cr_expect(strstr(r.err.message, "probably 03101 with its leading zero lost") != NULL, "%s",
              r.err.message);
    mz_set_lang(MZ_LANG_DE);
}

/* The first bad record stops reading: nothing after it is returned. */
Test(extract, stops_at_the_first_bad_record)
{
    mz_extract_options_t opt = {.year = 0, .gazetteer = gz};
    static const char data[] = HDR ROW_OK "2007,03101,-1,30,1,0,1,0,2\n" ROW_OK;
    mz_error_t err;
    mz_extract_reader_t *r = mz_extract_open_mem("t.csv", data, sizeof data - 1, &opt, &err);
    cr_assert_not_null(r);
    mz_record_t rec;
    cr_expect_eq(mz_extract_next(r, &rec, &err), 1);
    cr_expect_eq(mz_extract_next(r, &rec, &err), -1);
    cr_expect_eq(err.line, 3);
    mz_extract_close(r);
}

/* ---------------------------------------------------------------- files */

static char tmpdir[64];

static const char *write_tmp(const char *name, const char *data, size_t size, char *path,
                             size_t psize)
{
    if (!tmpdir[0])
        tu_workdir_make(tmpdir, sizeof tmpdir, "extract");
    tu_write_bytes(tu_path(tmpdir, name, path, psize), data, size);
    return path;
}

Test(extract, missing_file_and_directory_are_io_errors)
{
    mz_extract_options_t opt = {.year = 0, .gazetteer = gz};
    mz_error_t err;
    cr_expect_null(mz_extract_open("/nonexistent/extract.csv", &opt, &err));
    cr_expect_eq(err.status, MZ_ERR_IO);
    cr_expect_str_eq(err.file, "/nonexistent/extract.csv");
    cr_expect_eq(mz_exit_code(err.status), 4);
    cr_expect_null(mz_extract_open(getenv("MZATLAS_DATA"), &opt, &err));
    cr_expect_eq(err.status, MZ_ERR_IO);
    cr_expect_eq(mz_exit_code(err.status), 4);
}

Test(extract, file_reads_like_memory)
{
    char path[256];
    static const char data[] = HDR ROW_OK "2007,03153,80,45,2,2,2,0,0\n";
    write_tmp("ok.csv", data, sizeof data - 1, path, sizeof path);
    mz_extract_options_t opt = {.year = 0, .gazetteer = gz};
    mz_error_t err;
    mz_extract_reader_t *r = mz_extract_open(path, &opt, &err);
    cr_assert_not_null(r, "%s", err.message);
    mz_record_t rec;
    int n = 0, rc;
    while ((rc = mz_extract_next(r, &rec, &err)) == 1)
        n++;
    cr_expect_eq(rc, 0);
    cr_expect_eq(n, 2);
    cr_expect_eq(mz_extract_bytes_read(r), sizeof data - 1);
    cr_expect_eq(mz_extract_bytes_total(r), sizeof data - 1);
    cr_expect_eq(strlen(mz_extract_sha256(r)), 64);
    mz_extract_close(r);
    unlink(path);
    rmdir(tmpdir);
}

/* Run level: a file with a header and no records is refused with exit code 3; a bad record
 * reports the file name and line. */
Test(extract, header_only_at_run_level)
{
    char path[256];
    write_tmp("header-only.csv", S(HDR), path, sizeof path);
    mz_run_options_t opt;
    mz_run_options_init(&opt);
    mz_error_t err;
    mz_run_t *run = mz_run_create(&opt, &err);
    cr_assert_not_null(run, "%s", err.message);
    cr_expect_eq(mz_run_add_extract(run, path, &err), MZ_ERR_DATA);
    cr_expect_str_eq(err.file, path);
    cr_expect(strstr(err.message, "nur die Kopfzeile") != NULL, "%s", err.message);
    cr_expect_eq(mz_exit_code(err.status), 3);
    mz_run_destroy(run);
    unlink(path);

    write_tmp("bad.csv", S(HDR ROW_OK ROW_OK "2007,03101,123.5,30,1,0,1,0,9\n"), path,
              sizeof path);
    run = mz_run_create(&opt, &err);
    cr_assert_not_null(run);
    cr_expect_eq(mz_run_add_extract(run, path, &err), MZ_ERR_DATA);
    cr_expect_str_eq(err.file, path);
    cr_expect_eq(err.line, 4);
    cr_expect_str_eq(err.column, "sector");
    cr_expect_str_eq(err.value, "9");
    mz_run_destroy(run);
    unlink(path);
    rmdir(tmpdir);
}
