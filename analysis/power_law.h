#pragma once
// Power-law analysis of degree and strength distributions as Clauset, Shalizi & Newman (2009,
// "CSN") do it, with every convention written out (README, "Power laws"):
//
// - The tail is x >= xmin. xmin is scanned exactly: every distinct value but the largest, discrete
//   for degrees, continuous for strengths; the smallest KS distance D wins (the first on ties).
// - alpha is the exact maximum-likelihood estimate: continuous 1 + n / sum ln(x/xmin); discrete
//   p(x) = x^-alpha / zeta(alpha, xmin) (Hurwitz zeta), maximised by Brent's method on (1, 50].
// - D, as CSN's plfit: continuous max_i |(i-1)/n - F(x_(i))| over the sorted tail; discrete
//   max |F_n(k) - F(k)| over every integer k from xmin to the largest value, F(k) = P(X <= k).
// - Goodness of fit, CSN §4.1 (their plpva): B synthetic sets of the data's size, each value drawn
//   from the observed values below xmin with probability (n - n_tail)/n, else from the fitted power
//   law (discrete: exact inversion of its CCDF); each set gets the whole fit again, xmin scan
//   included. p = share of sets with D >= the observed D, standard error sqrt(p(1-p)/B). Sample b
//   draws from its own generator seeded with (seed, b): the same p for any thread count.
// - Alternatives, fitted by maximum likelihood on the same tail, each normalised on x >= xmin
//   (discrete ones by exact summation, f(x) / sum_{k >= xmin} f(k)): exponential, log-normal,
//   stretched exponential f ∝ x^(beta-1) e^(-lambda x^beta), power law with exponential cut-off
//   f ∝ x^-alpha e^(-lambda x) (alpha > 1, lambda > 0, as the `powerlaw` package) and, for degrees, Poisson.
// - Likelihood-ratio tests as the Python `powerlaw` package reports them: l_i = ln p_PL(x_i) -
//   ln p_alt(x_i), R = sum l_i (> 0 favours the power law), s^2 their population variance;
//   non-nested (Vuong): p = erfc(|R| / sqrt(2 n s^2)), normalised ratio R / sqrt(n s^2); nested
//   (the cut-off, which contains the power law): p = P(chi^2_1 >= 2|R|).
// - The verdict is worded from these tests only, never from the p-value alone, and withheld when
//   the tail holds fewer than `minTail` values.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace rewire {

struct PowerLawOptions {
    int bootstrapSamples = 1000;      // B; 0 = no goodness-of-fit p-value
    std::int64_t minTail = 50;        // fewer tail values: the numbers, but no verdict
    double significance = 0.1;        // CSN's threshold, for p and for the likelihood-ratio tests
    std::uint64_t seed = 1;
    int threads = 0;                  // bootstrap threads; 0 = every core
    // More positive values than this: the fit runs on a seeded uniform subsample of this many (the
    // exact continuous scan costs O(n^2) per fit, and the bootstrap B times that).
    std::int64_t maxValues = 5000;
    // Called on the calling thread while the bootstrap runs: samples done, and B.
    std::function<void(int done, int total)> progress;
};

struct DistributionComparison {
    std::string alternative;       // exponential, lognormal, stretched_exponential, truncated_power_law, poisson
    std::string parameters;        // the alternative's fitted parameters, "name=value" separated by spaces
    double logLikelihood = 0;      // of the alternative on the tail
    double ratio = 0;              // R; > 0 favours the power law
    double normalisedRatio = 0;    // R / sqrt(n s^2); 0 when s = 0
    double pValue = 1;             // significance of the sign of R
    bool nested = false;
    std::string outcome;           // "power law favoured", "<alternative> favoured", "not distinguishable"
};

struct PowerLawFit {
    bool fitted = false;      // false when there are too few values (see verdict)
    bool discrete = true;
    std::int64_t n = 0;       // positive finite values given (zeros are dropped)
    std::int64_t fittedOn = 0; // values the fit used: n, or the subsample's size
    double alpha = 0, alphaError = 0; // alphaError = (alpha - 1) / sqrt(tail size), CSN eq. 3.2
    double xmin = 0, ksDistance = 0, logLikelihood = 0;
    std::int64_t tailSize = 0; // values >= xmin
    double pValue = 0, pValueError = 0; // NaN when not computed
    int bootstrapSamples = 0;
    std::vector<DistributionComparison> comparisons;
    std::string verdict;
};

// Degrees are discrete (their values must be integers), strengths continuous.
PowerLawFit fitPowerLaw(std::span<const double> values, bool discrete, const PowerLawOptions& options = {});

// The parts, for tests.
// Hurwitz zeta sum_{k >= 0} (q + k)^-s, s > 1, q > 0 (Euler-Maclaurin; relative error < 1e-14).
double hurwitzZeta(double s, double q);
// ln Γ(a, x), the upper incomplete gamma function, for any real a and x > 0.
double logUpperGamma(double a, double x);

struct XminScan {
    double xmin = 0, alpha = 0, ksDistance = 0;
    std::int64_t tailSize = 0;
    bool found = false;
};
// CSN's scan over `sorted` (ascending, positive; integers when discrete).
XminScan scanXmin(std::span<const double> sorted, bool discrete);

} // namespace rewire
