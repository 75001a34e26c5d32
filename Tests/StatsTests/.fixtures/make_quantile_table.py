#!/usr/bin/env python3
"""Reference values for Distributions.studentTQuantile and Distributions.betaQuantile.

Writes quantiles.csv next to this script: one row per quantile, with columns

    kind,p,a,b,expected,source

kind "t": expected = qt(p, df = a) (b empty); kind "beta": expected = qbeta(p, a, b).
Doubles are written with repr(), the shortest string that reads back as the same double.

Every value comes from scipy (scipy.special.stdtrit, scipy.special.betaincinv: Boost and
Cephes code, independent of ours) and is checked against mpmath: the quantile's root at 40
significant digits, found by Newton steps on an incomplete beta computed at 50 digits (a
Lentz continued fraction; where that converges too slowly, for the t distribution with large
df, the density is integrated with mpmath.quad). Where scipy is more than 1e-15 away from
that root (a few ulp; 4e-4 for qt(0.4999999, 4), 1.8e-8 for qbeta(0.995, 1000, 1e6)) the row
holds the mpmath value instead, rounded to the nearest double, and says so in `source`.

Usage (offline; needs scipy and mpmath):
    python3 -m venv .venv-q && .venv-q/bin/pip install scipy mpmath
    .venv-q/bin/python Tests/StatsTests/.fixtures/make_quantile_table.py
It prints the versions used and the worst scipy-mpmath disagreement.
"""
import math
import os
import sys

import mpmath
import numpy
import scipy
from scipy.special import betaincinv, stdtrit

mpmath.mp.dps = 40

T_DF = [1, 2, 2.5, 3, 4, 5, 6, 7, 7.5, 8, 9, 10, 12, 15, 20, 25, 29, 30, 30.5, 31, 40, 50, 75,
        100, 150, 200, 300, 500, 1000, 1234.5, 2000, 5000, 10_000, 30_000, 100_000, 300_000, 1_000_000]
T_P = [1e-12, 1e-6, 1e-4, 0.001, 0.005, 0.01, 0.025, 0.025000000000000022, 0.05, 0.1, 0.25, 0.4, 0.4999999, 0.5000001,
       0.6, 0.75, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 1 - 1e-6]
BETA_SHAPES = [0.5, 1, 2, 5.5, 10, 29.5, 30, 31.5, 100, 250.5, 1000, 10_000, 100_000, 1_000_000]
BETA_P = [1e-6, 0.005, 0.025, 0.025000000000000022, 0.05, 0.5, 0.95, 0.975, 0.995, 1 - 1e-6]
# Shapes as the estimator makes them: Jeffreys (x + 1/2, n - x + 1/2), Clopper-Pearson
# (x, n - x + 1) and (x + 1, n - x), Korn-Graubard (n* p, n*(1 - p) + 1) with non-integer n*.
INTERVAL_SHAPES = []
for x, n in [(1, 14), (10, 14), (13, 14), (45, 60), (300, 320), (812, 1000), (9_021, 10_000),
             (61_234, 70_000), (450_000, 500_000), (999_000, 1_000_000)]:
    INTERVAL_SHAPES += [(x + 0.5, n - x + 0.5), (x, n - x + 1), (x + 1, n - x)]
for n_star, p in [(57.3, 0.81), (412.77, 0.93), (3_210.5, 0.5), (48_765.25, 0.88), (803_112.6, 0.97)]:
    INTERVAL_SHAPES += [(n_star * p, n_star * (1 - p) + 1), (n_star * p + 1, n_star * (1 - p))]
INTERVAL_P = [0.025000000000000022, 0.975, 0.05, 0.95, 0.005, 0.995]


def cf_betainc(a, b, x, cap=200_000):
    """I_x(a, b) at 50 digits by the continued fraction (Numerical Recipes betacf, Lentz)."""
    with mpmath.workdps(50):
        a, b, x = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(x)
        if x > (a + 1) / (a + b + 2):
            return 1 - cf_betainc(b, a, 1 - x, cap)
        log_front = a * mpmath.log(x) + b * mpmath.log1p(-x) - mpmath.log(a) - (
            mpmath.loggamma(a) + mpmath.loggamma(b) - mpmath.loggamma(a + b))
        tiny = mpmath.mpf(10) ** -150
        eps = mpmath.mpf(10) ** -45
        c, d = mpmath.mpf(1), 1 - (a + b) * x / (a + 1)
        d = 1 / (d if abs(d) > tiny else tiny)
        h = d
        for m in range(1, cap):
            for aa in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                       -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
                d = 1 + aa * d
                d = 1 / (d if abs(d) > tiny else tiny)
                c = 1 + aa / c
                c = c if abs(c) > tiny else tiny
                h *= d * c
            if abs(d * c - 1) < eps:
                return mpmath.exp(log_front) * h
        raise OverflowError("continued fraction did not converge")


def mp_beta_quantile(p, a, b, start):
    """Root of I_x(a, b) = p at 40 digits, by Newton steps from scipy's value."""
    p, A, B = mpmath.mpf(p), mpmath.mpf(a), mpmath.mpf(b)
    log_beta = mpmath.loggamma(A) + mpmath.loggamma(B) - mpmath.loggamma(A + B)
    x = mpmath.mpf(start) if 0 < start < 1 else mpmath.mpf(0.5)
    for _ in range(100):
        density = mpmath.exp((A - 1) * mpmath.log(x) + (B - 1) * mpmath.log1p(-x) - log_beta)
        step = (cf_betainc(a, b, x) - p) / density
        new = x - step
        if new <= 0:
            new = x / 10
        elif new >= 1:
            new = (1 + x) / 2
        if abs(new - x) <= mpmath.mpf(10) ** -30 * min(new, 1 - new):
            return new
        x = new
    raise ArithmeticError("no convergence for qbeta(%r, %r, %r)" % (p, a, b))


def mp_t_quantile(p, df, start):
    """qt(p, df) at 40 digits: Newton steps in t (in log t for the tails) on P(T > t) = q."""
    q = mpmath.mpf(min(p, 1 - p))
    n = mpmath.mpf(df)
    log_norm = mpmath.loggamma((n + 1) / 2) - mpmath.loggamma(n / 2) - mpmath.log(n * mpmath.pi) / 2

    def density(u):
        return mpmath.exp(log_norm - (n + 1) / 2 * mpmath.log1p(u * u / n))

    def upper_tail(t):  # P(T > t), t > 0
        try:
            if q < 0.25:
                return cf_betainc(n / 2, 0.5, n / (n + t * t), cap=20_000) / 2
            return mpmath.mpf(0.5) - cf_betainc(0.5, n / 2, t * t / (n + t * t), cap=20_000) / 2
        except OverflowError:
            with mpmath.workdps(60):
                if q < 0.25:
                    return mpmath.quad(density, [t, 2 * t, 4 * t, 10 * t, 100 * t, mpmath.inf], maxdegree=12)
                return mpmath.mpf(0.5) - mpmath.quad(density, mpmath.linspace(0, t, 8), maxdegree=12)

    t = mpmath.mpf(abs(start))
    for _ in range(200):
        tail = upper_tail(t)
        if q < 0.25:
            du = (mpmath.log(tail) - mpmath.log(q)) * tail / (density(t) * t)
            new = t * mpmath.exp(max(min(du, 2), -2))
        else:
            new = t + (tail - q) / density(t)
            new = new if new > 0 else t / 2
        if abs(new - t) <= mpmath.mpf(10) ** -30 * new:
            return new if p > 0.5 else -new
        t = new
    raise ArithmeticError("no convergence for qt(%r, %r)" % (p, df))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    rows = []
    worst = (0.0, None)
    replaced = 0

    def add(kind, p, a, b, got, exact):
        nonlocal worst, replaced
        relative = float(abs(mpmath.mpf(got) - exact) / abs(exact))
        if relative > worst[0]:
            worst = (relative, (kind, p, a, b))
        if relative > 1e-15:
            rows.append((kind, p, a, b, float(exact), "mpmath"))
            replaced += 1
        else:
            rows.append((kind, p, a, b, got, "scipy"))

    for df in T_DF:
        for p in T_P:
            got = float(stdtrit(df, p))
            add("t", p, df, "", got, mp_t_quantile(p, df, got))
    for a in BETA_SHAPES:
        for b in BETA_SHAPES:
            for p in BETA_P:
                got = float(betaincinv(a, b, p))
                add("beta", p, a, b, got, mp_beta_quantile(p, a, b, got))
    for a, b in INTERVAL_SHAPES:
        for p in INTERVAL_P:
            got = float(betaincinv(a, b, p))
            add("beta", p, a, b, got, mp_beta_quantile(p, a, b, got))

    with open(os.path.join(here, "quantiles.csv"), "w") as out:
        out.write("kind,p,a,b,expected,source\n")
        for kind, p, a, b, expected, source in rows:
            out.write("%s,%r,%r,%s,%r,%s\n" % (kind, p, float(a), "" if b == "" else repr(float(b)), expected, source))
    print("python %s, scipy %s, numpy %s, mpmath %s" % (
        sys.version.split()[0], scipy.__version__, numpy.__version__, mpmath.__version__))
    print("%d rows; %d from mpmath; worst scipy-mpmath relative difference %.2e at %r" % (
        len(rows), replaced, worst[0], worst[1]))


if __name__ == "__main__":
    main()
