#!/usr/bin/env python3
"""Write data/examples/example-2007.csv: a small SYNTHETIC canonical extract (about 12,000
person records) used by `make demo` and the end-to-end tests until `mzatlas synth` exists.
Random, with a fixed seed; not calibrated to anything. Run once; the output is committed."""
import csv, random, sys

random.seed(20070101)
units = []
with open("data/regions/gazetteer-ni.csv", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        if row["kind"] in ("kreisfreie_stadt", "landkreis") and int(row["valid_from"]) <= 2007 and (row["valid_to"] == "" or int(row["valid_to"]) > 2007):
            units.append(row["ags"])
units.append("03241001"); units.append("03241999")
out = sys.argv[1] if len(sys.argv) > 1 else "data/examples/example-2007.csv"
with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["year", "kreis", "psu", "stratum", "weight", "age", "sex", "mig", "ilo", "selfemp", "sector", "synthetic"])
    psu = 0
    for u in units:
        size = random.choice([120, 200, 300, 450])
        mh = random.uniform(0.08, 0.25)
        for _ in range(size // 15):
            psu += 1
            for _ in range(15):
                age = random.randint(0, 90)
                mig = 0 if random.random() > mh else random.choice([1, 2])
                if 15 <= age <= 70:
                    p_emp = 0.74 if mig == 0 else 0.60
                    p_unemp = 0.05 if mig == 0 else 0.14
                    r = random.random()
                    ilo = 1 if r < p_emp else (2 if r < p_emp + p_unemp else 3)
                else:
                    ilo = 3
                sector = random.choice([1, 2, 2, 3, 3, 4, 4, 4]) if ilo == 1 else 0
                selfemp = 1 if ilo == 1 and random.random() < 0.1 else 0
                weight = round(random.uniform(80, 120), 2)
                w.writerow([2007, u, f"P{psu:05d}", u[:5], weight, age, random.choice([1, 2]), mig, ilo, selfemp, sector, 1])
