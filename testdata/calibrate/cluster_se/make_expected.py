"""Expected values for calibration's cluster-robust standard errors.

A logistic regression on repeated samples of the same relationships (each
relationship a cluster), fitted by statsmodels' binomial GLM with
cov_type="cluster" (its default finite-sample correction), no penalty.
Run with Debian's python3-statsmodels (0.13.5) and numpy (1.24.2):

    /usr/bin/python3 make_expected.py

It writes samples.csv (group, y, x1, x2) and expected.json.
"""
import json

import numpy as np
import statsmodels.api as sm

rng = np.random.default_rng(20261201)
rows = []
for g in range(300):
    # A relationship's own level of risk, shared by its samples.
    u = rng.normal(0, 1.0)
    x2 = rng.uniform(0, 3)
    for k in range(rng.integers(3, 10)):
        x1 = rng.normal(0, 1)
        eta = -1.5 + 0.7 * x1 - 0.4 * x2 + u
        y = rng.uniform() < 1 / (1 + np.exp(-eta))
        rows.append((g, int(y), x1, x2))
a = np.array(rows)
X = sm.add_constant(a[:, 2:4])
res = sm.GLM(a[:, 1], X, family=sm.families.Binomial()).fit(cov_type="cluster", cov_kwds={"groups": a[:, 0].astype(int)})
naive = sm.GLM(a[:, 1], X, family=sm.families.Binomial()).fit()
with open("samples.csv", "w") as f:
    f.write("group,y,x1,x2\n")
    for g, y, x1, x2 in rows:
        f.write(f"{g},{y},{x1!r},{x2!r}\n")
with open("expected.json", "w") as f:
    json.dump({"coef": list(res.params[1:]), "intercept": res.params[0], "se_cluster": list(res.bse[1:]),
               "se_model": list(naive.bse[1:]), "statsmodels": sm.__version__}, f, indent=1)
