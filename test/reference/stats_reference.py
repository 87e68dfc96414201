#!/usr/bin/env python3
"""Independent reference values for src/stats/*.spec.ts.

Run with Debian's interpreter (python3-scipy 1.10, python3-statsmodels 0.13):
    /usr/bin/python3 test/reference/stats_reference.py
Every number pasted into the specs comes from a call in this file; the spec comments quote the call.
"""
import json
import math

import numpy as np
import scipy
import statsmodels
from scipy import integrate, optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

out = {"versions": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__}}


def put(name, value):
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, tuple):
        value = [float(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    out[name] = value


# ---------------------------------------------------------------- distributions
put("norm.ppf(0.975)", stats.norm.ppf(0.975))
put("norm.ppf(1-(1-0.9)/2)", stats.norm.ppf(1 - (1 - 0.9) / 2))
put("norm.cdf(-1.3)", stats.norm.cdf(-1.3))
put("norm.pdf(0.7)", stats.norm.pdf(0.7))
put("t.cdf(-2.1, 13.7)", stats.t.cdf(-2.1, 13.7))
put("t.ppf(0.975, 13.7)", stats.t.ppf(0.975, 13.7))
put("t.ppf(0.975, 2500.5)", stats.t.ppf(0.975, 2500.5))
put("t.cdf(-1.5, 250000)", stats.t.cdf(-1.5, 250000))
put("chi2.sf(3.2, 2)", stats.chi2.sf(3.2, 2))
put("chi2.sf(7.5, 4)", stats.chi2.sf(7.5, 4))

# ---------------------------------------------------------------- case A: 2 variants
# control 360/1000, green 386/1015, alpha = 1 - 0.95
xc, nc, xt, nt = 360, 1000, 386, 1015
alpha = 1 - 0.95
z_stat, p = proportions_ztest([xt, xc], [nt, nc])  # pooled by default (prop_var=False)
put("A.ztest", [z_stat, p])
put("A.wilson.control", proportion_confint(xc, nc, alpha=alpha, method="wilson"))
put("A.wilson.green", proportion_confint(xt, nt, alpha=alpha, method="wilson"))
put("A.wilson.control.90", proportion_confint(xc, nc, alpha=1 - 0.9, method="wilson"))
put("A.diffci.sm", confint_proportions_2indep(xt, nt, xc, nc, method="wald", compare="diff", alpha=alpha))
pt_, pc_ = xt / nt, xc / nc
zq = stats.norm.ppf(1 - alpha / 2)
se_diff = math.sqrt(pt_ * (1 - pt_) / nt + pc_ * (1 - pc_) / nc)
put("A.diff", pt_ - pc_)
put("A.diffci.hand", [pt_ - pc_ - zq * se_diff, pt_ - pc_ + zq * se_diff])
lift = (pt_ - pc_) / pc_
var_rel = pt_ * (1 - pt_) / (pc_**2 * nt) + pc_ * (1 - pc_) * pt_**2 / (pc_**4 * nc)
put("A.lift", lift)
put("A.relci.hand", [lift - zq * math.sqrt(var_rel), lift + zq * math.sqrt(var_rel)])
chi = stats.chi2_contingency([[xt, nt - xt], [xc, nc - xc]], correction=False)
put("A.chi2_contingency", [chi[0], chi[1], chi[2]])
# Bayesian (unpooled se), goal increase and decrease; risk closed form and by numerical integration
d = pt_ - pc_
put("A.bayes.ctw.increase", stats.norm.cdf(d / se_diff))
put("A.bayes.ctw.decrease", stats.norm.cdf(-d / se_diff))
put("A.bayes.risk.increase", se_diff * stats.norm.pdf(d / se_diff) - d * stats.norm.cdf(-d / se_diff))
put("A.bayes.risk.decrease", se_diff * stats.norm.pdf(d / se_diff) + d * stats.norm.cdf(d / se_diff))
put("A.bayes.risk.increase.quad",
    integrate.quad(lambda x: max(-x, 0.0) * stats.norm.pdf(x, d, se_diff), -1, 0, epsabs=1e-14, epsrel=1e-12)[0])
put("A.bayes.risk.decrease.quad",
    integrate.quad(lambda x: max(x, 0.0) * stats.norm.pdf(x, d, se_diff), 0, 1, epsabs=1e-14, epsrel=1e-12)[0])


# Sequential confidence sequence (GrowthBook / Waudby-Smith), formula of api.md §5
def seq_half_width(se, N, a):
    rho2 = (-2 * math.log(a) + math.log(-2 * math.log(a) + 1)) / 5000
    return se * math.sqrt(N) * math.sqrt(2 * (N * rho2 + 1) / (N**2 * rho2) * math.log(math.sqrt(N * rho2 + 1) / a))


put("A.seq.halfwidth", seq_half_width(se_diff, nt + nc, alpha))
put("seq.halfwidth(se=0.01,N=100,a=0.05)", seq_half_width(0.01, 100, 0.05))
put("seq.halfwidth(se=0.002,N=1e6,a=0.01)", seq_half_width(0.002, 1e6, 0.01))
put("seq.halfwidth(se=1.5,N=20000,a=0.1)", seq_half_width(1.5, 20000, 0.1))


# always-valid p-value: the alpha at which the sequence just touches 0 (root of width(a) = |d|)
def seq_p(d_, se, N):
    f = lambda la: seq_half_width(se, N, math.exp(la)) - abs(d_)
    if f(-1e-12) > 0:
        return 1.0
    return math.exp(optimize.brentq(f, -700, -1e-12, xtol=1e-14, rtol=1e-14))


put("seq.p(d=0.03,se=0.01,N=20000)", seq_p(0.03, 0.01, 20000))
put("seq.p(d=-0.05,se=0.012,N=5000)", seq_p(-0.05, 0.012, 5000))
put("A.seq.p", seq_p(d, se_diff, nt + nc))

# ---------------------------------------------------------------- case B: 3 variants, 2 goal metrics
# users: control 2000, blue 2000, green 2000
# purchase (primary): 200, 236, 262 ; signup (secondary): 500, 520, 455
nB = 2000
purchase = {"control": 200, "blue": 236, "green": 262}
signup = {"control": 500, "blue": 520, "green": 455}
pB = []
for metric in (purchase, signup):
    for v in ("blue", "green"):
        pB.append(proportions_ztest([metric[v], metric["control"]], [nB, nB])[1])
put("B.p", pB)
put("B.holm", multipletests(pB, alpha=0.05, method="holm")[1])
put("B.bh", multipletests(pB, alpha=0.05, method="fdr_bh")[1])
put("B.chi2.purchase", list(stats.chi2_contingency(
    [[purchase[v], nB - purchase[v]] for v in ("control", "blue", "green")], correction=False)[:3]))
# B2: the same 3 variants, secondary metric is a mean metric given by sufficient statistics
# (n, sum, sum of squares) -> Welch p via scipy.stats.ttest_ind_from_stats(equal_var=False)
revenue = {"control": (2000, 9000.0, 260000.0), "blue": (2000, 9900.0, 300000.0), "green": (2000, 8200.0, 240000.0)}
def mean_sd(n, s, ss):
    return s / n, math.sqrt((ss - s * s / n) / (n - 1))
pB2 = []
for v in ("blue", "green"):
    pB2.append(proportions_ztest([purchase[v], purchase["control"]], [nB, nB])[1])
for v in ("blue", "green"):
    mt_, st_ = mean_sd(*revenue[v])
    mc_, sc_ = mean_sd(*revenue["control"])
    pB2.append(stats.ttest_ind_from_stats(mt_, st_, revenue[v][0], mc_, sc_, revenue["control"][0], equal_var=False).pvalue)
put("B2.p", pB2)
put("B2.holm", multipletests(pB2, alpha=0.05, method="holm")[1])
put("B2.bh", multipletests(pB2, alpha=0.05, method="fdr_bh")[1])
# arbitrary vectors with ties and values pushed over 1
pv = [0.01, 0.04, 0.03, 0.04, 0.5, 0.2]
put("mt.holm", multipletests(pv, method="holm")[1])
put("mt.bh", multipletests(pv, method="fdr_bh")[1])
pv2 = [0.9, 0.6, 0.7]
put("mt2.holm", multipletests(pv2, method="holm")[1])
put("mt2.bh", multipletests(pv2, method="fdr_bh")[1])

# ---------------------------------------------------------------- case C: skewed mean metric (many zeros)
rs = np.random.RandomState(20261123)
def skewed(n, p_buy, scale):
    buy = rs.uniform(size=n) < p_buy
    val = np.round(rs.lognormal(mean=math.log(scale), sigma=1.2, size=n), 2)
    return np.where(buy, val, 0.0)
yc = skewed(800, 0.12, 30.0)
yt = skewed(820, 0.16, 30.0)
for name, y in (("control", yc), ("treatment", yt)):
    put(f"C.{name}.suff", [int(len(y)), int(np.count_nonzero(y)), math.fsum(y), math.fsum(y * y)])
    put(f"C.{name}.mean_sd", [float(np.mean(y)), float(np.std(y, ddof=1))])
    put(f"C.{name}.tconfint", DescrStatsW(y).tconfint_mean(alpha=alpha))
    put(f"C.{name}.t.interval", stats.t.interval(0.95, len(y) - 1, loc=np.mean(y), scale=stats.sem(y)))
tt = stats.ttest_ind(yt, yc, equal_var=False)
put("C.welch", [tt.statistic, tt.pvalue])
cm = CompareMeans(DescrStatsW(yt), DescrStatsW(yc))
put("C.welch.sm", list(cm.ttest_ind(usevar="unequal")))
put("C.welch.ci.sm", cm.tconfint_diff(alpha=alpha, usevar="unequal"))
vt, vc = np.var(yt, ddof=1) / len(yt), np.var(yc, ddof=1) / len(yc)
dof = (vt + vc) ** 2 / (vt**2 / (len(yt) - 1) + vc**2 / (len(yc) - 1))
se_w = math.sqrt(vt + vc)
dm = float(np.mean(yt) - np.mean(yc))
tq = stats.t.ppf(1 - alpha / 2, dof)
put("C.welch.dof", dof)
put("C.welch.ci.hand", [dm - tq * se_w, dm + tq * se_w])
mt_, mc_ = float(np.mean(yt)), float(np.mean(yc))
st2, sc2 = float(np.var(yt, ddof=1)), float(np.var(yc, ddof=1))
lift_m = dm / mc_
var_rel_m = st2 / (mc_**2 * len(yt)) + sc2 * mt_**2 / (mc_**4 * len(yc))
put("C.lift", lift_m)
put("C.relci.hand", [lift_m - tq * math.sqrt(var_rel_m), lift_m + tq * math.sqrt(var_rel_m)])

# ---------------------------------------------------------------- decision scenarios in analyze-experiment.spec.ts
put("D.clear.ztest", proportions_ztest([150, 100], [1000, 1000]))
put("D.guardrail.ztest", proportions_ztest([45, 20], [1000, 1000]))

# ---------------------------------------------------------------- chi-square k x 2 and SRM
tab = [[120, 880], [150, 870], [95, 905], [130, 860]]
put("chi2.kx2", list(stats.chi2_contingency(tab, correction=False)[:3]))
put("srm.50-50.20pct", list(stats.chisquare([1000, 1200], f_exp=[1100, 1100])))
put("srm.3way", list(stats.chisquare([5120, 2440, 2490], f_exp=[10050 * 0.5, 10050 * 0.25, 10050 * 0.25])))
put("srm.2way.ok", list(stats.chisquare([1000, 1015], f_exp=[1007.5, 1007.5])))

# ---------------------------------------------------------------- sample size (api.md §5 formula)
def n_conv(p1, p2, cl, power):
    z = stats.norm.ppf(1 - (1 - cl) / 2)
    zb = stats.norm.ppf(power)
    pbar = (p1 + p2) / 2
    raw = (z * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2
    return raw, math.ceil(raw)


def n_mean(sd, delta, cl, power):
    z = stats.norm.ppf(1 - (1 - cl) / 2)
    zb = stats.norm.ppf(power)
    raw = 2 * (z + zb) ** 2 * sd**2 / delta**2
    return raw, math.ceil(raw)


put("ss.conv(0.1,+0.02abs,0.95,0.8)", n_conv(0.1, 0.12, 0.95, 0.8))
put("ss.conv(0.1,+5%rel,0.95,0.8)", n_conv(0.1, 0.1 * 1.05, 0.95, 0.8))
put("ss.conv(0.3,-0.03abs,0.99,0.9)", n_conv(0.3, 0.27, 0.99, 0.9))
put("ss.mean(sd=12,delta=1.5,0.95,0.8)", n_mean(12, 1.5, 0.95, 0.8))
put("ss.mean(sd=40,delta=2,0.9,0.9)", n_mean(40, 2, 0.9, 0.9))

# ---------------------------------------------------------------- Bayesian, a mean-metric style case
for dd, se in ((0.5, 0.3), (-0.2, 0.15), (0.0, 1.0)):
    put(f"bayes(d={dd},se={se})", [
        stats.norm.cdf(dd / se),
        se * stats.norm.pdf(dd / se) - dd * stats.norm.cdf(-dd / se),
        se * stats.norm.pdf(dd / se) + dd * stats.norm.cdf(dd / se),
    ])

print(json.dumps(out, indent=1))
