"""Expected values for calibration's weighted (case-control) fit and metrics.

Repeated samples of relationships (each a cluster) with a rare outcome;
every positive is kept and a negative with probability 0.3, weighted 1/0.3
(inverse-probability weights). The weighted logistic regression is
statsmodels' binomial GLM with var_weights, no penalty; its cluster-robust
standard errors are the sandwich of the weighted scores written out in
numpy with statsmodels' finite-sample factor on the rows fitted (they equal
statsmodels' cov_type="cluster" here, which warns that it is not fully
supported with var_weights). The metrics are of the
fitted linear predictor times 0.8 (too flat, so the slope is not 1): the
weighted AUC is counted over every
(positive, negative) pair, each pair weighted by the product of its
weights, ties half; the Brier score is the weighted mean squared error;
the calibration slope a weighted GLM of the outcome on logit(p). Run with
Debian's python3-statsmodels (0.13.5) and numpy (1.24.2):

    /usr/bin/python3 make_expected.py

It writes samples.csv (group, y, weight, x1, x2) and expected.json.
"""
import json

import numpy as np
import statsmodels.api as sm

rng = np.random.default_rng(20261202)
rows = []
for g in range(2000):
    u = rng.normal(0, 1.0)
    x2 = rng.uniform(0, 3)
    for k in range(rng.integers(2, 8)):
        x1 = rng.normal(0, 1)
        eta = -3.5 + 0.7 * x1 - 0.4 * x2 + u
        y = rng.uniform() < 1 / (1 + np.exp(-eta))
        if not y and rng.uniform() >= 0.3:
            continue
        rows.append((g, int(y), 1.0 if y else 1 / 0.3, x1, x2))
a = np.array(rows)
y, w, X = a[:, 1], a[:, 2], sm.add_constant(a[:, 3:5])
res = sm.GLM(y, X, family=sm.families.Binomial(), var_weights=w).fit()
# The cluster sandwich written out (statsmodels warns its cov_type is not
# fully supported with var_weights): bread the inverse weighted
# information, meat the sum over groups of each group's summed weighted
# scores' outer product, statsmodels' factor G/(G-1) (N-1)/(N-K).
mu = res.predict(X)
bread = np.linalg.inv(X.T @ (X * (w * mu * (1 - mu))[:, None]))
groups = a[:, 0].astype(int)
scores = X * (w * (y - mu))[:, None]
meat = np.zeros((3, 3))
for g in np.unique(groups):
    s_g = scores[groups == g].sum(axis=0)
    meat += np.outer(s_g, s_g)
G, N, K = len(np.unique(groups)), len(y), X.shape[1]
cov = bread @ meat @ bread * G / (G - 1) * (N - 1) / (N - K)
se = np.sqrt(np.diag(cov))
# Metrics of a deliberately too-flat prediction (the fitted linear
# predictor times 0.8), so the calibration slope is not 1.
lp = 0.8 * (X @ res.params)
p = 1 / (1 + np.exp(-lp))
pos, neg = y == 1, y == 0
diff = p[pos][:, None] - p[neg][None, :]
pair = w[pos][:, None] * w[neg][None, :]
auc = ((diff > 0) * pair + 0.5 * (diff == 0) * pair).sum() / pair.sum()
brier = (w * (p - y) ** 2).sum() / w.sum()
slope = sm.GLM(y, sm.add_constant(lp), family=sm.families.Binomial(), var_weights=w).fit().params[1]
with open("samples.csv", "w") as f:
    f.write("group,y,weight,x1,x2\n")
    for g, yy, ww, x1, x2 in rows:
        f.write(f"{g},{yy},{ww!r},{x1!r},{x2!r}\n")
with open("expected.json", "w") as f:
    json.dump({"coef": list(res.params[1:]), "intercept": res.params[0], "se_cluster": list(se[1:]), "prediction_scale": 0.8,
               "auc": auc, "brier": brier, "calibration_slope": slope, "statsmodels": sm.__version__, "numpy": np.__version__}, f, indent=1)
