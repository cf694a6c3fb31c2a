#include "analysis/power_law.h"

#include "graph/hash.h"

#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/expint.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/tools/toms748_solve.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <thread>

namespace rewire {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kAlphaMin = 1.0 + 1e-6, kAlphaMax = 50.0;

// A SplitMix64 stream (graph/hash.h): one per bootstrap sample, seeded from (seed, sample).
struct SplitMix {
    std::uint64_t s;
    std::uint64_t next()
    {
        const std::uint64_t r = splitmix64(s);
        s += 0x9E3779B97F4A7C15ULL;
        return r;
    }
    double uniform() { return unitInterval(next()); } // [0, 1)
};

std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t stream)
{
    return splitmix64((seed ^ (stream * 0xD1B54A32D192ED03ULL)) + 0x9E3779B97F4A7C15ULL);
}

// ζ(s, q) and ∂ζ/∂s by Euler-Maclaurin after N direct terms.
struct ZetaPair {
    double value, derivative;
};
ZetaPair hurwitzZetaAndDerivative(double s, double q)
{
    // B_2j / (2j)!, j = 1..10.
    static constexpr double kCoef[] = {1.0 / 12.0,
                                       -1.0 / 720.0,
                                       1.0 / 30240.0,
                                       -1.0 / 1209600.0,
                                       1.0 / 47900160.0,
                                       -691.0 / 1307674368000.0,
                                       1.0 / 74724249600.0,
                                       -3617.0 / 10670622842880000.0,
                                       43867.0 / 5109094217170944000.0,
                                       -174611.0 / 802857662698291200000.0};
    const int N = 12;
    double sum = 0, dsum = 0;
    for (int k = 0; k < N; ++k) {
        const double lx = std::log(q + k);
        const double t = std::exp(-s * lx);
        sum += t;
        dsum -= lx * t;
    }
    const double a = q + N, la = std::log(a);
    const double aPow = std::exp(-s * la); // a^-s
    sum += a * aPow / (s - 1) + 0.5 * aPow;
    dsum += -la * a * aPow / (s - 1) - a * aPow / ((s - 1) * (s - 1)) - 0.5 * la * aPow;
    // Σ_j C_j (s)_{2j-1} a^{-s-2j+1}
    double rising = s;        // (s)_{1}
    double dRisingOverRising = 1.0 / s; // d ln (s)_{2j-1} / ds
    double power = aPow / a;  // a^{-s-1}
    for (int j = 0; j < 10; ++j) {
        const double term = kCoef[j] * rising * power;
        sum += term;
        dsum += term * (dRisingOverRising - la);
        if (std::abs(term) < 1e-17 * std::abs(sum))
            break;
        const double f1 = s + 2 * j + 1, f2 = s + 2 * j + 2;
        rising *= f1 * f2;
        dRisingOverRising += 1.0 / f1 + 1.0 / f2;
        power /= a * a;
    }
    return {sum, dsum};
}

double logErfc(double t)
{
    if (t < 25)
        return std::log(boost::math::erfc(t));
    const double t2 = t * t;
    return -t2 - std::log(t * std::sqrt(M_PI)) + std::log1p(-0.5 / t2 + 0.75 / (t2 * t2));
}

// ----------------------------------------------------------------------------------------------
// The power law on a tail.

// Discrete α: the root of S/n - E_α[ln X] (increasing in α), by TOMS 748.
double discreteAlpha(double xmin, double n, double sumLog)
{
    const double target = sumLog / n;
    auto g = [&](double alpha) {
        const ZetaPair z = hurwitzZetaAndDerivative(alpha, xmin);
        return target + z.derivative / z.value; // E[ln X] = -ζ'/ζ
    };
    const double lo = g(kAlphaMin), hi = g(kAlphaMax);
    if (lo >= 0)
        return kAlphaMin;
    if (hi <= 0)
        return kAlphaMax;
    std::uintmax_t iterations = 200;
    const auto r = boost::math::tools::toms748_solve(g, kAlphaMin, kAlphaMax, lo, hi,
                                                     boost::math::tools::eps_tolerance<double>(50), iterations);
    return 0.5 * (r.first + r.second);
}

struct Distinct {
    std::vector<double> value;
    std::vector<std::int64_t> count;
};
Distinct distinctOf(std::span<const double> sorted)
{
    Distinct d;
    for (double x : sorted) {
        if (d.value.empty() || x != d.value.back()) {
            d.value.push_back(x);
            d.count.push_back(0);
        }
        ++d.count.back();
    }
    return d;
}

// D of a discrete power law (α, xmin = u[j]) against the tail u[j..], counts c[j..], n values:
// every integer k from xmin to the largest value, P(X <= k) on both sides. Between two observed
// values the empirical CDF is flat and the model's rises, so the largest gap is at an observed
// value or just before the next one.
double discreteKs(const Distinct& d, std::size_t j, double n, double alpha)
{
    const double z0 = hurwitzZetaAndDerivative(alpha, d.value[j]).value;
    double zCur = z0; // ζ(α, current integer)
    double cum = 0, ks = 0;
    const std::size_t m = d.value.size();
    for (std::size_t i = j; i < m; ++i) {
        const double u = d.value[i];
        cum += static_cast<double>(d.count[i]);
        const double zAfter = zCur - std::pow(u, -alpha); // ζ(α, u + 1)
        ks = std::max(ks, std::abs(cum / n - (1 - zAfter / z0)));
        if (i + 1 == m)
            break;
        const double next = d.value[i + 1];
        double zNext;
        if (next - u <= 64) {
            zNext = zAfter;
            for (double k = u + 1; k < next; ++k)
                zNext -= std::pow(k, -alpha);
        } else {
            zNext = hurwitzZetaAndDerivative(alpha, next).value;
        }
        if (next - 1 > u) // k = next - 1: the model's CDF is 1 - ζ(α, next)/ζ0
            ks = std::max(ks, std::abs(cum / n - (1 - zNext / z0)));
        zCur = zNext;
    }
    return ks;
}

XminScan scanDiscrete(std::span<const double> sorted)
{
    XminScan best;
    const Distinct d = distinctOf(sorted);
    const std::size_t m = d.value.size();
    if (m < 2)
        return best;
    // Suffix counts and log sums.
    std::vector<double> tailCount(m + 1, 0), tailLog(m + 1, 0);
    for (std::size_t i = m; i-- > 0;) {
        tailCount[i] = tailCount[i + 1] + static_cast<double>(d.count[i]);
        tailLog[i] = tailLog[i + 1] + static_cast<double>(d.count[i]) * std::log(d.value[i]);
    }
    for (std::size_t j = 0; j + 1 < m; ++j) {
        const double alpha = discreteAlpha(d.value[j], tailCount[j], tailLog[j]);
        const double ks = discreteKs(d, j, tailCount[j], alpha);
        if (!best.found || ks < best.ksDistance) {
            best = {d.value[j], alpha, ks, static_cast<std::int64_t>(tailCount[j]), true};
        }
    }
    return best;
}

XminScan scanContinuous(std::span<const double> sorted)
{
    XminScan best;
    const std::size_t n = sorted.size();
    if (n < 2 || sorted.front() == sorted.back())
        return best;
    std::vector<double> logs(n), suffix(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i)
        logs[i] = std::log(sorted[i]);
    for (std::size_t i = n; i-- > 0;)
        suffix[i] = suffix[i + 1] + logs[i];
    const double largest = sorted.back();
    for (std::size_t s = 0; s < n && sorted[s] < largest;) {
        const double tail = static_cast<double>(n - s);
        const double lmin = logs[s];
        const double alpha = 1 + tail / (suffix[s] - tail * lmin);
        double ks = 0;
        const double inv = 1.0 / tail;
        for (std::size_t i = s; i < n; ++i) {
            const double model = 1 - std::exp((alpha - 1) * (lmin - logs[i]));
            ks = std::max(ks, std::abs(static_cast<double>(i - s) * inv - model));
        }
        if (!best.found || ks < best.ksDistance)
            best = {sorted[s], alpha, ks, static_cast<std::int64_t>(n - s), true};
        // next distinct value
        const double v = sorted[s];
        while (s < n && sorted[s] == v)
            ++s;
    }
    return best;
}

// ----------------------------------------------------------------------------------------------
// Sampling the fitted power law (the bootstrap's tail).

class DiscreteSampler {
public:
    DiscreteSampler(double alpha, double xmin) : m_alpha(alpha), m_xmin(xmin)
    {
        m_z0 = hurwitzZetaAndDerivative(alpha, xmin).value;
        // S(k) = P(X >= k) for k = xmin, xmin + 1, ... while it matters.
        double z = m_z0;
        for (int i = 0; i < 100000; ++i) {
            const double k = xmin + i;
            m_ccdf.push_back(z / m_z0);
            if (z / m_z0 < 1e-15)
                break;
            z -= std::pow(k, -alpha);
        }
    }
    // The largest x with P(X >= x) >= u, u in (0, 1].
    double draw(double u) const
    {
        if (m_ccdf.back() < u) {
            // first index with S < u, minus one
            const auto it = std::upper_bound(m_ccdf.begin(), m_ccdf.end(), u, std::greater<double>());
            return m_xmin + static_cast<double>(it - m_ccdf.begin()) - 1;
        }
        double lo = m_xmin + static_cast<double>(m_ccdf.size()) - 1, hi = lo * 2; // S(lo) >= u
        while (ccdf(hi) >= u) {
            lo = hi;
            hi *= 2;
            if (hi > 1e15)
                return lo;
        }
        while (hi - lo > 1) {
            const double mid = std::floor((lo + hi) / 2);
            (ccdf(mid) >= u ? lo : hi) = mid;
        }
        return lo;
    }

private:
    double ccdf(double k) const { return hurwitzZetaAndDerivative(m_alpha, k).value / m_z0; }
    double m_alpha, m_xmin, m_z0;
    std::vector<double> m_ccdf;
};

// D of one synthetic data set (CSN §4.1): the body resampled from the values below xmin, the tail
// drawn from the fitted law, and the whole fit repeated on it.
double bootstrapDistance(std::span<const double> sorted, std::size_t bodySize, const XminScan& fit, bool discrete,
                         const DiscreteSampler* sampler, std::uint64_t seed, std::vector<double>& scratch)
{
    SplitMix rng{seed};
    const std::size_t n = sorted.size();
    const double tailShare = static_cast<double>(n - bodySize) / static_cast<double>(n);
    scratch.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (rng.uniform() >= tailShare && bodySize > 0) {
            scratch[i] = sorted[std::min(bodySize - 1, static_cast<std::size_t>(rng.uniform() * static_cast<double>(bodySize)))];
        } else {
            const double u = 1 - rng.uniform(); // (0, 1]
            scratch[i] = discrete ? sampler->draw(u) : fit.xmin * std::pow(u, -1 / (fit.alpha - 1));
        }
    }
    std::sort(scratch.begin(), scratch.end());
    const XminScan s = scanXmin(scratch, discrete);
    return s.found ? s.ksDistance : 0.0;
}

// ----------------------------------------------------------------------------------------------
// Alternatives.

// Nelder-Mead with restarts from the best vertex until it stops improving.
std::vector<double> minimise(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x)
{
    const std::size_t d = x.size();
    auto safe = [&](const std::vector<double>& p) {
        const double v = f(p);
        return std::isfinite(v) ? v : std::numeric_limits<double>::infinity();
    };
    double fx = safe(x);
    for (int restart = 0; restart < 200; ++restart) {
        std::vector<std::vector<double>> simplex(d + 1, x);
        std::vector<double> val(d + 1);
        for (std::size_t i = 0; i < d; ++i)
            simplex[i + 1][i] += std::max(0.1, 0.1 * std::abs(x[i]));
        for (std::size_t i = 0; i <= d; ++i)
            val[i] = safe(simplex[i]);
        for (int iter = 0; iter < 4000; ++iter) {
            std::vector<std::size_t> order(d + 1);
            std::iota(order.begin(), order.end(), 0);
            std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return val[a] < val[b]; });
            const std::size_t best = order[0], worst = order[d], second = order[d - 1];
            double size = 0;
            for (std::size_t i = 0; i <= d; ++i)
                for (std::size_t k = 0; k < d; ++k)
                    size = std::max(size, std::abs(simplex[i][k] - simplex[best][k]));
            if (std::abs(val[worst] - val[best]) <= 1e-15 * (std::abs(val[best]) + 1) || size < 1e-11)
                break;
            std::vector<double> centre(d, 0);
            for (std::size_t i = 0; i <= d; ++i)
                if (i != worst)
                    for (std::size_t k = 0; k < d; ++k)
                        centre[k] += simplex[i][k] / static_cast<double>(d);
            auto along = [&](double t) {
                std::vector<double> p(d);
                for (std::size_t k = 0; k < d; ++k)
                    p[k] = centre[k] + t * (simplex[worst][k] - centre[k]);
                return p;
            };
            const auto r = along(-1);
            const double fr = safe(r);
            if (fr < val[best]) {
                const auto e = along(-2);
                const double fe = safe(e);
                if (fe < fr) {
                    simplex[worst] = e;
                    val[worst] = fe;
                } else {
                    simplex[worst] = r;
                    val[worst] = fr;
                }
            } else if (fr < val[second]) {
                simplex[worst] = r;
                val[worst] = fr;
            } else {
                const auto c = fr < val[worst] ? along(-0.5) : along(0.5);
                const double fc = safe(c);
                if (fc < std::min(fr, val[worst])) {
                    simplex[worst] = c;
                    val[worst] = fc;
                } else {
                    for (std::size_t i = 0; i <= d; ++i)
                        if (i != best) {
                            for (std::size_t k = 0; k < d; ++k)
                                simplex[i][k] = simplex[best][k] + 0.5 * (simplex[i][k] - simplex[best][k]);
                            val[i] = safe(simplex[i]);
                        }
                }
            }
        }
        const std::size_t best = static_cast<std::size_t>(std::min_element(val.begin(), val.end()) - val.begin());
        const bool improved = val[best] < fx - 1e-15 * std::abs(fx);
        if (val[best] <= fx) {
            x = simplex[best];
            fx = val[best];
        }
        if (!improved)
            break;
    }
    return x;
}

// ln Σ_{k >= xmin} exp(lf(k, ln k)): a direct sum of the first terms (all of them once they fall
// below 1e-17 of the largest), then the rest by the midpoint rule with its first correction,
// Σ_{k >= a} f(k) = ∫_{a-1/2}^∞ f + f'(a - 1/2)/24 + O(f'''), from the continuous density's
// tail integral (`logRemainder(a)`: ln ∫_a^∞ f). `logK` holds ln k for the first terms.
constexpr int kDirectTerms = 1000;
double logDiscreteNormaliser(double xmin, std::span<const double> logK,
                             const std::function<double(double, double)>& lf,
                             const std::function<double(double)>& logRemainder)
{
    double peak = -std::numeric_limits<double>::infinity(), previous = peak;
    double terms[kDirectTerms];
    int k = 0;
    bool negligible = false;
    for (; k < kDirectTerms; ++k) {
        const double v = lf(xmin + k, logK[static_cast<std::size_t>(k)]);
        terms[k] = v;
        peak = std::max(peak, v);
        if (v < previous && v < peak - 40) { // falling, and below 1e-17 of the largest
            negligible = true;
            ++k;
            break;
        }
        previous = v;
    }
    double sum = 0;
    for (int i = 0; i < k; ++i)
        sum += std::exp(terms[i] - peak);
    if (!negligible) {
        const double a = xmin + kDirectTerms - 0.5, h = 1e-4 * a;
        const double fa = std::exp(lf(a, std::log(a)) - peak);
        const double slope = (lf(a + h, std::log(a + h)) - lf(a - h, std::log(a - h))) / (2 * h); // (ln f)'
        sum += std::exp(logRemainder(a) - peak) + fa * slope / 24;
    }
    return peak + std::log(sum);
}

struct Alternative {
    std::string name, parameters;
    std::vector<double> logPdf; // at each tail value
    double logLikelihood = 0;
    bool fitted = false;
};

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

// The tail and the sums the likelihoods need.
struct Tail {
    std::span<const double> x;
    std::vector<double> lnx;
    double n = 0, sumX = 0, sumLnX = 0, sumLnX2 = 0, sumLgamma = 0;
};

Alternative fitExponential(const Tail& t, double xmin, bool discrete)
{
    Alternative a{"exponential", "", {}, 0, false};
    const double mean = t.sumX / t.n - xmin;
    if (!(mean > 0))
        return a;
    const double lambda = discrete ? std::log1p(1 / mean) : 1 / mean;
    const double logNorm = discrete ? std::log(-std::expm1(-lambda)) : std::log(lambda);
    for (double x : t.x)
        a.logPdf.push_back(logNorm - lambda * (x - xmin));
    a.parameters = fmt::format("lambda={:.8g}", lambda);
    a.logLikelihood = sum(a.logPdf);
    a.fitted = true;
    return a;
}

// A family by its log density up to normalisation: at one point (logf), summed over the tail
// (sumLogf, from the tail's sums where it can) and its normaliser (logNorm: ln ∫ or ln Σ over
// x >= xmin).
struct Family {
    std::string name;
    std::function<double(const std::vector<double>&, double, double)> logf; // θ, x, ln x
    std::function<double(const std::vector<double>&, const Tail&)> sumLogf;
    std::function<double(const std::vector<double>&)> logNorm;
    std::function<std::string(const std::vector<double>&)> describe;
};

Alternative fitFamily(const Family& fam, const Tail& t, const std::vector<std::vector<double>>& starts)
{
    Alternative a{fam.name, "", {}, 0, false};
    // Parameters where a special function fails (overflow far from the optimum) are infeasible.
    auto negLogLik = [&](const std::vector<double>& th) {
        try {
            const double ln = fam.logNorm(th);
            if (!std::isfinite(ln))
                return std::numeric_limits<double>::infinity();
            return -(fam.sumLogf(th, t) - t.n * ln);
        } catch (const std::exception&) {
            return std::numeric_limits<double>::infinity();
        }
    };
    std::vector<double> best;
    double bestValue = std::numeric_limits<double>::infinity();
    for (const auto& start : starts) {
        const std::vector<double> th = minimise(negLogLik, start);
        const double v = negLogLik(th);
        if (v < bestValue) {
            bestValue = v;
            best = th;
        }
    }
    if (!std::isfinite(bestValue))
        return a;
    const double ln = fam.logNorm(best);
    for (std::size_t i = 0; i < t.x.size(); ++i)
        a.logPdf.push_back(fam.logf(best, t.x[i], t.lnx[i]) - ln);
    a.logLikelihood = sum(a.logPdf);
    a.parameters = fam.describe(best);
    a.fitted = true;
    return a;
}

std::vector<Alternative> fitAlternatives(std::span<const double> x, double xmin, double alphaPL, bool discrete)
{
    Tail t;
    t.x = x;
    t.n = static_cast<double>(x.size());
    for (double v : x) {
        const double l = std::log(v);
        t.lnx.push_back(l);
        t.sumX += v;
        t.sumLnX += l;
        t.sumLnX2 += l * l;
        if (discrete)
            t.sumLgamma += std::lgamma(v + 1);
    }
    std::vector<double> logK; // ln k for the discrete normalisers' direct terms
    if (discrete)
        for (int k = 0; k < kDirectTerms; ++k)
            logK.push_back(std::log(xmin + k));

    std::vector<Alternative> out;
    out.push_back(fitExponential(t, xmin, discrete));
    const double mean = t.sumX / t.n, meanLog = t.sumLnX / t.n;
    const double sdLog = std::max(std::sqrt(std::max(t.sumLnX2 / t.n - meanLog * meanLog, 0.0)), 1e-3);
    const double lxmin = std::log(xmin);

    auto normaliser = [&](auto logf, auto tailIntegral) {
        return [=, &logK](const std::vector<double>& th) {
            if (!discrete)
                return tailIntegral(th, xmin);
            return logDiscreteNormaliser(
                xmin, logK, [&](double v, double lv) { return logf(th, v, lv); },
                [&](double a) { return tailIntegral(th, a); });
        };
    };

    // Log-normal: θ = (μ, ln σ); f = (1/x) e^{-(ln x - μ)²/2σ²};
    // ∫_a^∞ f = σ √(π/2) erfc((ln a - μ)/(σ√2)).
    auto lnLogf = [](const std::vector<double>& th, double, double lx) {
        const double z = (lx - th[0]) / std::exp(th[1]);
        return -lx - 0.5 * z * z;
    };
    auto lnTail = [](const std::vector<double>& th, double a) {
        const double s = std::exp(th[1]);
        return std::log(s * std::sqrt(M_PI / 2)) + logErfc((std::log(a) - th[0]) / (s * M_SQRT2));
    };
    Family logNormal{"lognormal", lnLogf,
                     [](const std::vector<double>& th, const Tail& t) {
                         const double s2 = std::exp(2 * th[1]);
                         const double sq = t.sumLnX2 - 2 * th[0] * t.sumLnX + t.n * th[0] * th[0];
                         return -t.sumLnX - 0.5 * sq / s2;
                     },
                     normaliser(lnLogf, lnTail),
                     [](const std::vector<double>& th) { return fmt::format("mu={:.8g} sigma={:.8g}", th[0], std::exp(th[1])); }};

    // Stretched exponential: θ = (ln λ, ln β); f = x^{β-1} e^{-λ (x^β - xmin^β)};
    // ∫_a^∞ f = e^{-λ (a^β - xmin^β)} / (λβ).
    auto seLogf = [xmin](const std::vector<double>& th, double x, double lx) {
        const double l = std::exp(th[0]), b = std::exp(th[1]);
        return (b - 1) * lx - l * (std::exp(b * lx) - std::pow(xmin, b));
    };
    auto seTail = [xmin](const std::vector<double>& th, double a) {
        const double l = std::exp(th[0]), b = std::exp(th[1]);
        return -l * (std::pow(a, b) - std::pow(xmin, b)) - std::log(l * b);
    };
    Family stretched{"stretched_exponential", seLogf,
                     [xmin](const std::vector<double>& th, const Tail& t) {
                         const double l = std::exp(th[0]), b = std::exp(th[1]);
                         double s = 0;
                         for (double lx : t.lnx)
                             s += std::exp(b * lx);
                         return (b - 1) * t.sumLnX - l * (s - t.n * std::pow(xmin, b));
                     },
                     normaliser(seLogf, seTail),
                     [](const std::vector<double>& th) {
                         return fmt::format("lambda={:.8g} beta={:.8g}", std::exp(th[0]), std::exp(th[1]));
                     }};

    // Power law with cut-off: θ = (ln(α - 1), ln λ), so α > 1 and λ > 0 as in the `powerlaw`
    // package; f = x^-α e^{-λ (x - xmin)}; ∫_a^∞ f = λ^{α-1} Γ(1-α, λa) e^{λ xmin}.
    auto tpLogf = [xmin](const std::vector<double>& th, double x, double lx) {
        return -(1 + std::exp(th[0])) * lx - std::exp(th[1]) * (x - xmin);
    };
    auto tpTail = [xmin](const std::vector<double>& th, double a) {
        const double l = std::exp(th[1]), alpha = 1 + std::exp(th[0]);
        return (alpha - 1) * th[1] + logUpperGamma(1 - alpha, l * a) + l * xmin;
    };
    Family cutoff{"truncated_power_law", tpLogf,
                  [xmin](const std::vector<double>& th, const Tail& t) {
                      return -(1 + std::exp(th[0])) * t.sumLnX - std::exp(th[1]) * (t.sumX - t.n * xmin);
                  },
                  normaliser(tpLogf, tpTail),
                  [](const std::vector<double>& th) {
                      return fmt::format("alpha={:.8g} lambda={:.8g}", 1 + std::exp(th[0]), std::exp(th[1]));
                  }};

    out.push_back(fitFamily(logNormal, t, {{meanLog, std::log(sdLog)}, {lxmin, std::log(sdLog) + 1}}));
    const double rate = 1 / std::max(mean - xmin, 1e-12 * xmin);
    out.push_back(fitFamily(stretched, t, {{std::log(rate), 0.0}, {std::log(rate) / 2, std::log(0.5)}}));
    out.push_back(fitFamily(cutoff, t, {{std::log(std::max(alphaPL - 1, 1e-3)), std::log(1e-3 / mean)}, {std::log(0.5), std::log(1 / mean)}}));
    if (discrete) {
        // Poisson on x >= xmin: θ = (ln μ); p = e^-μ μ^x / x! / P(X >= xmin), P(X >= xmin) = P(xmin, μ).
        Family poisson{"poisson",
                       [](const std::vector<double>& th, double x, double) { return x * th[0] - std::lgamma(x + 1); },
                       [](const std::vector<double>& th, const Tail& t) { return th[0] * t.sumX - t.sumLgamma; },
                       [xmin](const std::vector<double>& th) {
                           const double mu = std::exp(th[0]);
                           const double p = boost::math::gamma_p(xmin, mu);
                           return p > 0 ? mu + std::log(p) : -std::numeric_limits<double>::infinity();
                       },
                       [](const std::vector<double>& th) { return fmt::format("mu={:.8g}", std::exp(th[0])); }};
        out.push_back(fitFamily(poisson, t, {{std::log(mean)}}));
    }
    return out;
}

std::string joinNames(const std::vector<std::string>& names)
{
    std::string s;
    for (std::size_t i = 0; i < names.size(); ++i)
        s += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    return s;
}

std::string displayName(const std::string& alternative)
{
    if (alternative == "lognormal")
        return "log-normal";
    if (alternative == "stretched_exponential")
        return "stretched exponential";
    if (alternative == "truncated_power_law")
        return "power law with cut-off";
    return alternative;
}

} // namespace

double hurwitzZeta(double s, double q)
{
    if (!(s > 1) || !(q > 0))
        throw std::invalid_argument("hurwitzZeta: needs s > 1 and q > 0");
    return hurwitzZetaAndDerivative(s, q).value;
}

double logUpperGamma(double a, double x)
{
    if (!(x > 0))
        throw std::invalid_argument("logUpperGamma: needs x > 0");
    if (x >= a + 1 && x >= 1) {
        // Legendre's continued fraction, modified Lentz.
        constexpr double tiny = 1e-300;
        double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
        for (int i = 1; i < 10000; ++i) {
            const double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (std::abs(d) < tiny)
                d = tiny;
            c = b + an / c;
            if (std::abs(c) < tiny)
                c = tiny;
            d = 1 / d;
            const double del = d * c;
            h *= del;
            if (std::abs(del - 1) < 1e-16)
                break;
        }
        return -x + a * std::log(x) + std::log(h);
    }
    if (a > 0) // Γ(a) Q(a, x), in logs: no overflow for large a
        return boost::math::lgamma(a) + std::log(boost::math::gamma_q(a, x));
    // a <= 0, x < 1: up to b = a + k in (0, 1], then down with Γ(b, x) = (Γ(b+1, x) - x^b e^-x) / b.
    const int k = static_cast<int>(std::floor(-a)) + 1;
    double b = a + k;
    double g = boost::math::tgamma(b, x);
    for (int j = 0; j < k; ++j) {
        b -= 1;
        if (std::abs(b) < 1e-12)
            g = boost::math::expint(1, x); // Γ(0, x) = E1(x)
        else
            g = (g - std::pow(x, b) * std::exp(-x)) / b;
    }
    return std::log(g);
}

XminScan scanXmin(std::span<const double> sorted, bool discrete)
{
    return discrete ? scanDiscrete(sorted) : scanContinuous(sorted);
}

PowerLawFit fitPowerLaw(std::span<const double> values, bool discrete, const PowerLawOptions& options)
{
    PowerLawFit f;
    f.discrete = discrete;
    f.pValue = f.pValueError = kNaN;
    std::vector<double> data;
    for (double v : values)
        if (v > 0 && std::isfinite(v)) {
            if (discrete && v != std::floor(v))
                throw std::invalid_argument(fmt::format("power-law fit: discrete data holds {}, not an integer", v));
            data.push_back(v);
        }
    f.n = static_cast<std::int64_t>(data.size());
    if (options.maxValues > 0 && f.n > options.maxValues) {
        // Seeded partial Fisher-Yates: a uniform subsample without replacement.
        SplitMix rng{mixSeed(options.seed, 0xFFFFFFFFull)};
        for (std::int64_t i = 0; i < options.maxValues; ++i) {
            const auto j = i + static_cast<std::int64_t>(rng.uniform() * static_cast<double>(f.n - i));
            std::swap(data[static_cast<std::size_t>(i)], data[static_cast<std::size_t>(j)]);
        }
        data.resize(static_cast<std::size_t>(options.maxValues));
    }
    f.fittedOn = static_cast<std::int64_t>(data.size());
    std::sort(data.begin(), data.end());
    const std::size_t distinct = distinctOf(data).value.size();
    if (data.size() < 10 || distinct < 3) {
        f.verdict = fmt::format("no fit: {} positive values, {} distinct{} (need 10 and 3)", f.n, distinct,
                                f.fittedOn < f.n ? fmt::format(" in a uniform subsample of {}", f.fittedOn) : "");
        return f;
    }
    const XminScan scan = scanXmin(data, discrete);
    if (!scan.found) {
        f.verdict = "no fit: no xmin candidate";
        return f;
    }
    f.fitted = true;
    f.xmin = scan.xmin;
    f.alpha = scan.alpha;
    f.ksDistance = scan.ksDistance;
    f.tailSize = scan.tailSize;
    f.alphaError = (f.alpha - 1) / std::sqrt(static_cast<double>(f.tailSize));
    const std::size_t bodySize = data.size() - static_cast<std::size_t>(f.tailSize);
    const std::span<const double> tail(data.data() + bodySize, static_cast<std::size_t>(f.tailSize));

    // The power law's log density at each tail value.
    std::vector<double> plLog;
    plLog.reserve(tail.size());
    if (discrete) {
        const double lz = std::log(hurwitzZetaAndDerivative(f.alpha, f.xmin).value);
        for (double x : tail)
            plLog.push_back(-f.alpha * std::log(x) - lz);
    } else {
        for (double x : tail)
            plLog.push_back(std::log(f.alpha - 1) - std::log(f.xmin) - f.alpha * std::log(x / f.xmin));
    }
    f.logLikelihood = sum(plLog);

    // Likelihood-ratio tests.
    const double nt = static_cast<double>(tail.size());
    for (const Alternative& a : fitAlternatives(tail, f.xmin, f.alpha, discrete)) {
        if (!a.fitted)
            continue;
        DistributionComparison c;
        c.alternative = a.name;
        c.parameters = a.parameters;
        c.logLikelihood = a.logLikelihood;
        c.nested = a.name == "truncated_power_law";
        double r = 0;
        std::vector<double> diff(tail.size());
        for (std::size_t i = 0; i < tail.size(); ++i)
            r += diff[i] = plLog[i] - a.logPdf[i];
        const double mean = r / nt;
        double var = 0;
        for (double v : diff)
            var += (v - mean) * (v - mean) / nt;
        c.ratio = r;
        c.normalisedRatio = var > 0 ? r / std::sqrt(nt * var) : 0;
        if (c.nested)
            c.pValue = std::erfc(std::sqrt(std::abs(r))); // P(chi2_1 >= 2|R|)
        else
            c.pValue = var > 0 ? std::erfc(std::abs(r) / std::sqrt(2 * nt * var)) : 1.0;
        c.outcome = c.pValue >= options.significance ? "not distinguishable"
                    : r > 0                          ? "power law favoured"
                                                     : displayName(a.name) + " favoured";
        f.comparisons.push_back(std::move(c));
    }

    // Goodness of fit.
    if (options.bootstrapSamples > 0) {
        const int total = options.bootstrapSamples;
        std::optional<DiscreteSampler> sampler;
        if (discrete)
            sampler.emplace(f.alpha, f.xmin);
        std::vector<double> distances(static_cast<std::size_t>(total), 0);
        std::atomic<int> next{0}, done{0};
        std::exception_ptr failure;
        std::mutex failureMutex;
        auto work = [&](bool reports) {
            std::vector<double> scratch;
            try {
                for (int b; (b = next.fetch_add(1)) < total;) {
                    distances[static_cast<std::size_t>(b)] =
                        bootstrapDistance(data, bodySize, scan, discrete, sampler ? &*sampler : nullptr,
                                          mixSeed(options.seed, static_cast<std::uint64_t>(b)), scratch);
                    const int d = done.fetch_add(1) + 1;
                    if (reports && options.progress)
                        options.progress(d, total);
                }
            } catch (...) {
                std::lock_guard<std::mutex> lock(failureMutex);
                if (!failure)
                    failure = std::current_exception();
                next = total;
            }
        };
        int threads = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
        threads = std::clamp(threads, 1, total);
        std::vector<std::thread> pool;
        for (int t = 1; t < threads; ++t)
            pool.emplace_back(work, false);
        work(true);
        for (auto& t : pool)
            t.join();
        if (failure)
            std::rethrow_exception(failure);
        if (options.progress)
            options.progress(total, total);
        const auto atLeast = std::count_if(distances.begin(), distances.end(), [&](double d) { return d >= f.ksDistance; });
        f.bootstrapSamples = total;
        f.pValue = static_cast<double>(atLeast) / total;
        f.pValueError = std::sqrt(f.pValue * (1 - f.pValue) / total);
    }

    // The verdict, from the tests only.
    const std::string subsample =
        f.fittedOn < f.n ? fmt::format(" (fit on a uniform subsample of {} of {} values)", f.fittedOn, f.n) : "";
    if (f.tailSize < options.minTail) {
        f.verdict = fmt::format("no verdict: the tail holds {} values, fewer than {}", f.tailSize, options.minTail) + subsample;
        return f;
    }
    std::vector<std::string> better, alike, worse;
    for (const auto& c : f.comparisons) {
        const std::string name = displayName(c.alternative);
        (c.pValue >= options.significance ? alike : c.ratio > 0 ? worse : better).push_back(name);
    }
    // CSN's Table 6 in words: rejected (p < 0.1); disfavoured (a test favours an alternative);
    // not rejected but not distinguishable from some alternative; not rejected and favoured over
    // every alternative.
    const std::string pText = fmt::format("p = {:.3f} ± {:.3f}", f.pValue, f.pValueError);
    const std::string fitsBetter = joinNames(better) + (better.size() == 1 ? " fits" : " fit") + " better";
    std::string v;
    if (options.bootstrapSamples > 0 && f.pValue < options.significance)
        v = "power law rejected (" + pText + ")" + (better.empty() ? "" : "; " + fitsBetter);
    else if (!better.empty())
        v = "power law disfavoured: " + fitsBetter +
            (options.bootstrapSamples > 0 ? " (the goodness-of-fit test alone does not reject it, " + pText + ")"
                                          : " (goodness of fit not tested: no bootstrap)");
    else if (options.bootstrapSamples == 0)
        v = "goodness of fit not tested (no bootstrap)" +
            (alike.empty() ? "; favoured over " + joinNames(worse) : "; not distinguishable from " + joinNames(alike));
    else if (!alike.empty())
        v = "power law not rejected (" + pText + "); not distinguishable from " + joinNames(alike);
    else
        v = "power law not rejected (" + pText + ") and favoured over " + joinNames(worse);
    f.verdict = v + subsample;
    return f;
}

} // namespace rewire
