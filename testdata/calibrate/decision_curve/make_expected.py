"""Expected values for calibration's decision-curve analysis.

Net benefit (Vickers and Elkin 2006, Medical Decision Making 26: 565-574)
of acting on every sample with a predicted probability of at least pt,
NB = TP/n - FP/n * pt/(1 - pt), of acting on everyone, and of a plan for
the top k at each as-of date priced at the capacity threshold (the median
over dates of the k-th highest probability), computed here with numpy's
array operations, independently of tau's Go loops. Run with Debian's
python3-numpy (1.24.2):

    /usr/bin/python3 make_expected.py

It writes samples.csv (date, key, p, y) and expected.json.
"""
import json

import numpy as np

rng = np.random.default_rng(20261201)
dates, n_per_date, k = 4, 500, 10
date = np.repeat(np.arange(dates), n_per_date)
key = np.array([f"r{i:04d}" for i in range(n_per_date)] * dates)
p = rng.beta(0.6, 12.0, size=date.size)
y = rng.uniform(size=date.size) < p


def net_benefit(act, pt):
    n = y.size
    tp = np.sum(act & y)
    fp = np.sum(act & ~y)
    return float(tp / n - fp / n * pt / (1 - pt))


thresholds = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.10, 0.15, 0.20]
kth = []
top = np.zeros(date.size, dtype=bool)
for d in range(dates):
    idx = np.where(date == d)[0]
    # Highest first; ties to the lower key, as tau ranks.
    order = sorted(idx, key=lambda i: (-p[i], key[i]))
    kth.append(p[order[k - 1]])
    top[order[:k]] = True
capacity = float(np.median(kth))
prevalence = float(np.mean(y))
expected = {
    "k": k,
    "curve": [{"threshold": t, "net_benefit": net_benefit(p >= t, t),
               "treat_all": prevalence - (1 - prevalence) * t / (1 - t)} for t in thresholds],
    "capacity_threshold": capacity,
    "net_benefit_at_capacity": net_benefit(p >= capacity, capacity),
    "top_k_net_benefit": net_benefit(top, capacity),
}
with open("samples.csv", "w") as f:
    f.write("date,key,p,y\n")
    for i in range(date.size):
        f.write(f"{date[i]},{key[i]},{p[i]!r},{int(y[i])}\n")
with open("expected.json", "w") as f:
    json.dump(expected, f, indent=2)
