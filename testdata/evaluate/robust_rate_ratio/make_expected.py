"""Independent values for evaluation.RobustRatio (rateratio_test.go).

Writes plans.csv (25 plans: baseline and follow-up counts and exposures in days,
overdispersed across plans) and expected.json: the period coefficient of a
Poisson GLM of the 50 counts (intercept, period, log exposure offset) and its
cluster-robust standard error by plan (cov_type="cluster", statsmodels' default
finite-sample correction), plus the Pearson dispersion.

Run with Debian's python3-statsmodels (0.13.5), numpy 1.24.2:
    /usr/bin/python3 make_expected.py
"""
import csv
import json

import numpy as np
import statsmodels.api as sm

rng = np.random.default_rng(141)
rows = []
for i in range(25):
    rate = rng.gamma(1.5, 0.02)
    eb = float(rng.choice([90, 182, 365]))
    ef = float(rng.choice([91, 92]))
    b = int(rng.poisson(rate * eb))
    f = int(rng.poisson(rate * ef * 0.6))
    rows.append((i, b, f, eb, ef))
with open("plans.csv", "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(["plan", "baseline", "followup", "baseline_days", "followup_days"])
    w.writerows(rows)
y, X, off, groups = [], [], [], []
for i, b, f, eb, ef in rows:
    for period, count, e in ((0, b, eb), (1, f, ef)):
        y.append(count)
        X.append([1.0, float(period)])
        off.append(np.log(e))
        groups.append(i)
model = sm.GLM(np.array(y, float), np.array(X), family=sm.families.Poisson(), offset=np.array(off))
res = model.fit(cov_type="cluster", cov_kwds={"groups": np.array(groups)}, tol=1e-12)
plain = model.fit(tol=1e-12)
json.dump({
    "statsmodels": sm.__version__,
    "log_ratio": float(res.params[1]),
    "se_cluster": float(res.bse[1]),
    "dispersion": float(plain.pearson_chi2 / plain.df_resid),
}, open("expected.json", "w"), indent=2)
print(open("expected.json").read())
