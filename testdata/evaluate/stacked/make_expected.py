"""Independent values for evaluation.FitStacked (stacked_test.go).

Writes units.csv (a synthetic stacked panel: 60 matched sets, each one plan and
four comparisons, counts in a 365-day baseline and a 91-day follow-up, some
follow-ups partly engaged) and expected.json: the coefficient on the plan and its
cluster-robust standard error by set, from statsmodels' binomial GLM of the
follow-up count out of each unit's total, with one intercept per set and the log
exposure ratio as offset (the conditional form of the fixed-effects Poisson
model), cov_type="cluster" with statsmodels' default finite-sample correction.

Run with Debian's python3-statsmodels (0.13.5), numpy 1.24.2:
    /usr/bin/python3 make_expected.py
"""
import csv
import json

import numpy as np
import statsmodels.api as sm

rng = np.random.default_rng(20261201)
rows = []
for s in range(60):
    period = rng.normal(-0.3, 0.3)  # the set's own change between its windows
    for j in range(5):
        treated = j == 0
        rate = rng.gamma(2.0, 0.01)  # incidents per day, overdispersed across units
        share = rng.choice([0.0, 0.0, 0.5, 1.0])  # engaged part of the follow-up
        factor = 1 - share + share * 1.3
        b = rng.poisson(rate * 365)
        f = rng.poisson(rate * 91 * np.exp(period) * (0.7 if treated else 1.0) * factor)
        offset = np.log(91 * factor / 365)
        rows.append((s, int(treated), int(b), int(f), float(offset)))

with open("units.csv", "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(["set", "treated", "baseline", "followup", "offset"])
    for r in rows:
        w.writerow([r[0], r[1], r[2], r[3], repr(r[4])])

# The fit drops what carries no information, as FitStacked does: units with
# no incident, and sets with none after or none before.
kept = [r for r in rows if r[2] + r[3] > 0]
by_set = {}
for r in kept:
    f, n = by_set.get(r[0], (0, 0))
    by_set[r[0]] = (f + r[3], n + r[2] + r[3])
kept = [r for r in kept if 0 < by_set[r[0]][0] < by_set[r[0]][1]]
sets = sorted({r[0] for r in kept})
col = {s: i for i, s in enumerate(sets)}
X = np.zeros((len(kept), len(sets) + 1))
for i, r in enumerate(kept):
    X[i, col[r[0]]] = 1
    X[i, -1] = r[1]
y = np.array([[r[3], r[2]] for r in kept], dtype=float)  # successes, failures
offset = np.array([r[4] for r in kept])
groups = np.array([r[0] for r in kept])
model = sm.GLM(y, X, family=sm.families.Binomial(), offset=offset)
res = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, tol=1e-12)
plain = model.fit(tol=1e-12)
json.dump({
    "statsmodels": sm.__version__,
    "effect": float(res.params[-1]),
    "se_cluster": float(res.bse[-1]),
    "se_model": float(plain.bse[-1]),
    "sets": len(sets),
    "units": len(kept),
}, open("expected.json", "w"), indent=2)
print(open("expected.json").read())
