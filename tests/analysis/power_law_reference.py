#!/usr/bin/python3
"""An independent reference for analysis/power_law.cpp, written from CSN (2009) and the Python
`powerlaw` package's definitions with NumPy and SciPy only (Debian's python3-numpy/-scipy).

It prints, for fixed samples, the figures the C++ test `power-law fits match an independent
reference` asserts to 1e-6: xmin, alpha and D of the exact xmin scan, and for every alternative
its maximised log-likelihood, R, the normalised R and the p-value of the likelihood-ratio test.

It shares no code with Rewire and computes differently where it can:
- discrete alpha by bounded scalar minimisation of the negative log-likelihood (SciPy's Hurwitz
  zeta), not by the root of its derivative;
- discrete D over every integer from xmin to the largest value, with the model's CDF a
  cumulative sum of the pmf;
- continuous normalisers by numerical integration (scipy.integrate.quad), not closed forms;
- discrete normalisers by brute-force summation over 200,000 terms plus quad beyond;
- maximum likelihood by SciPy's Nelder-Mead with restarts, from several starts.

Regenerate with: /usr/bin/python3 tests/analysis/power_law_reference.py
"""
import math
import sys

import numpy as np
from scipy import integrate, optimize, special, stats

DISCRETE = [
    # A Zipf-like sample (CSN's discrete sampler, alpha = 2.5, xmin = 2) with a small body below.
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
     2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
     2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,
     3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4,
     4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7,
     7, 7, 7, 7, 8, 8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 11, 11, 12, 12, 13, 14, 15, 17, 19, 22,
     25, 31, 38, 52, 77, 140],
    # Binomial-looking in-degrees (as SET's after a few epochs).
    [12, 13, 14, 14, 15, 15, 15, 16, 16, 16, 16, 17, 17, 17, 17, 17, 18, 18, 18, 18, 18, 18,
     19, 19, 19, 19, 19, 19, 19, 20, 20, 20, 20, 20, 20, 20, 20, 21, 21, 21, 21, 21, 21, 21,
     22, 22, 22, 22, 22, 22, 23, 23, 23, 23, 23, 24, 24, 24, 24, 25, 25, 25, 26, 26, 27, 27,
     28, 29, 30, 31, 33],
]

CONTINUOUS = [
    # A log-normal-looking sample (mu = 1, sigma = 1 quantiles, perturbed).
    sorted(float(np.exp(1 + stats.norm.ppf((i + 0.5) / 120)) * (1 + 0.013 * ((7 * i) % 5 - 2)))
           for i in range(120)),
    # A Pareto sample (alpha = 2.2, xmin = 1.5) by quantiles, perturbed.
    sorted(float(1.5 * (1 - (i + 0.5) / 150) ** (-1 / 1.2) * (1 + 0.011 * ((3 * i) % 7 - 3)))
           for i in range(150)),
]


def maximise(nll, starts):
    best = None
    for x0 in starts:
        r = optimize.minimize(nll, x0, method="Nelder-Mead",
                              options={"xatol": 1e-10, "fatol": 1e-12, "maxfev": 6000})
        for _ in range(3):  # restarts from the best vertex
            r = optimize.minimize(nll, r.x, method="Nelder-Mead",
                                  options={"xatol": 1e-11, "fatol": 1e-13, "maxfev": 6000})
        if best is None or r.fun < best.fun:
            best = r
    return best


def tail_integral(logf, a, peak):
    """∫_a^∞ exp(logf(x) - peak) dx, over u = ln x (heavy tails stay well scaled)."""
    def g(u):
        if u > 700:  # e^u overflows; every family here is below e^-700 there
            return 0.0
        with np.errstate(all="ignore"):
            v = logf(np.array([math.exp(u)]))[0] - peak + u
        return math.exp(v) if np.isfinite(v) else 0.0
    val, _ = integrate.quad(g, math.log(a), np.inf, limit=500, epsabs=0, epsrel=1e-13)
    return val


def discrete_norm(logf, xmin):
    k = np.arange(xmin, xmin + 200_000, dtype=float)
    v = logf(k)
    peak = v.max()
    s = np.exp(v - peak).sum()
    return peak + math.log(s + tail_integral(logf, xmin + 200_000 - 0.5, peak))


def continuous_norm(logf, xmin):
    peak = max(logf(np.array([xmin]))[0], logf(np.array([xmin * 1.0001]))[0])
    return peak + math.log(tail_integral(logf, xmin, peak))


def scan_discrete(x):
    x = np.sort(np.asarray(x, dtype=float))
    best = None
    for xmin in np.unique(x)[:-1]:
        t = x[x >= xmin]
        n, sl = len(t), np.log(t).sum()
        r = optimize.minimize_scalar(lambda a: n * math.log(special.zeta(a, xmin)) + a * sl,
                                     bounds=(1 + 1e-6, 50), method="bounded", options={"xatol": 1e-13})
        a = r.x
        ks = np.arange(xmin, t.max() + 1)
        model = np.cumsum(ks ** -a) / special.zeta(a, xmin)
        emp = np.searchsorted(t, ks, side="right") / n
        d = np.abs(model - emp).max()
        if best is None or d < best[2]:
            best = (xmin, a, d, n)
    return best


def scan_continuous(x):
    x = np.sort(np.asarray(x, dtype=float))
    best = None
    for xmin in np.unique(x)[:-1]:
        t = x[x >= xmin]
        n = len(t)
        a = 1 + n / np.log(t / xmin).sum()
        d = np.abs(np.arange(n) / n - (1 - (xmin / t) ** (a - 1))).max()
        if best is None or d < best[2]:
            best = (xmin, a, d, n)
    return best


def alternatives(t, xmin, alpha, discrete):
    t = np.asarray(t, dtype=float)
    mean, lmean, lsd = t.mean(), np.log(t).mean(), max(np.log(t).std(), 1e-3)
    if discrete:
        pl = -alpha * np.log(t) - math.log(special.zeta(alpha, xmin))
    else:
        pl = np.log(alpha - 1) - np.log(xmin) - alpha * np.log(t / xmin)
    norm = (lambda lf: discrete_norm(lf, xmin)) if discrete else (lambda lf: continuous_norm(lf, xmin))
    fams = {
        "exponential": (lambda th: (lambda x: -math.exp(th[0]) * (x - xmin)), [[-math.log(mean - xmin)]]),
        "lognormal": (lambda th: (lambda x: -np.log(x) - 0.5 * ((np.log(x) - th[0]) / math.exp(th[1])) ** 2),
                      [[lmean, math.log(lsd)], [math.log(xmin), math.log(lsd) + 1]]),
        "stretched_exponential": (
            lambda th: (lambda x: (math.exp(th[1]) - 1) * np.log(x)
                        - math.exp(th[0]) * (x ** math.exp(th[1]) - xmin ** math.exp(th[1]))),
            [[-math.log(mean - xmin), 0.0], [-math.log(mean - xmin) / 2, math.log(0.5)]]),
        # alpha = 1 + e^th0 > 1, as the powerlaw package constrains it
        "truncated_power_law": (lambda th: (lambda x: -(1 + math.exp(th[0])) * np.log(x) - math.exp(th[1]) * (x - xmin)),
                                [[math.log(max(alpha - 1, 1e-3)), math.log(1e-3 / mean)], [math.log(0.5), -math.log(mean)]]),
    }
    if discrete:
        fams["poisson"] = (lambda th: (lambda x: x * th[0] - special.gammaln(x + 1)), [[math.log(mean)]])
    out = []
    for name, (make, starts) in fams.items():
        def nll(th):
            lf = make(th)
            z = norm(lf) if name != "poisson" else math.exp(th[0]) + math.log(special.gammainc(xmin, math.exp(th[0])))
            v = -(lf(t).sum() - len(t) * z)
            return v if np.isfinite(v) else 1e300
        if name == "exponential":
            # closed form, as any implementation would; checked against the optimiser below
            m = mean - xmin
            lam = math.log1p(1 / m) if discrete else 1 / m
            alt = (math.log(-math.expm1(-lam)) if discrete else math.log(lam)) - lam * (t - xmin)
            r = maximise(nll, [[math.log(lam) + 0.3]])
            assert abs(-r.fun - alt.sum()) < 1e-7 * abs(alt.sum()), (r.fun, alt.sum())
        else:
            r = maximise(nll, starts)
            lf = make(r.x)
            z = norm(lf) if name != "poisson" else math.exp(r.x[0]) + math.log(special.gammainc(xmin, math.exp(r.x[0])))
            alt = lf(t) - z
        diff = pl - alt
        R = diff.sum()
        var = ((diff - diff.mean()) ** 2).mean()
        nested = name == "truncated_power_law"
        p = stats.chi2.sf(abs(2 * R), 1) if nested else special.erfc(abs(R) / math.sqrt(2 * len(t) * var))
        out.append((name, alt.sum(), R, R / math.sqrt(len(t) * var), p))
    return out


def main():
    for kind, samples in (("discrete", DISCRETE), ("continuous", CONTINUOUS)):
        for i, x in enumerate(samples):
            x = np.asarray(x, dtype=float)
            xmin, a, d, n = scan_discrete(x) if kind == "discrete" else scan_continuous(x)
            t = x[x >= xmin]
            print(f"{kind} {i}: xmin {xmin!r} alpha {a:.12f} D {d:.12f} tail {n} logL "
                  f"{(-a * np.log(t) - math.log(special.zeta(a, xmin))).sum() if kind == 'discrete' else (np.log(a - 1) - np.log(xmin) - a * np.log(t / xmin)).sum():.10f}")
            for name, ll, R, nR, p in alternatives(t, xmin, a, kind == "discrete"):
                print(f"    {name:22s} logL {ll:.10f} R {R:.10f} normR {nR:.10f} p {p:.12g}")
            if kind == "continuous":
                print("    sample:", ", ".join(f"{v:.17g}" for v in x))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
