// cmprsk::crr's default variance (Fortran crrvv; Fine & Gray 1999, section 4): the sandwich
// I^-1 (sum_i (eta_i + psi_i)(eta_i + psi_i)') I^-1, where eta_i is subject i's score residual
// and psi_i the extra term for having estimated the censoring distribution G.
//
// Both terms reduce to per-time global sums, so no rows move between ranks:
//   eta_i = [cause](x_i - xbar(T_i)) - r_i (x_i C0(T_i) - C1(T_i))
//           - [other cause] r_i / G(T_i-) (x_i (D0 - D0(T_i)) - (D1 - D1(T_i)))
// with C0, C1 = cumulative sums over failure bins of d/S0, d xbar/S0 and D0, D1 the same with a
// factor G(u-); and
//   psi_i = -Q(T_i) + [censored] q(T_i) / n(T_i),   Q(t) = sum_{censoring times c <= t} q(c) dc(c) / n(c)^2,
//   q(c) = E1(c) H0(c) - E0(c) H1(c),
// where E0, E1 = sums over other-cause rows with T < c of r / G(T-) (times x) and H0, H1 = sums over
// failure bins with u >= c of d G(u-) / S0 (times xbar). E0/E1 need one allreduce of
// (1 + p) doubles per distinct time; the p x p outer-product sum is one more allreduce.
#pragma once
#include <Eigen/Dense>

#include "kernels/survival/finegray_sums.hpp"

namespace kohort::survival {

// The middle matrix sum_i (eta_i + psi_i)(eta_i + psi_i)' over all ranks' rows (collective).
// d must be the derivatives at beta (after the allreduce).
Eigen::MatrixXd crr_score_variance(const FineGrayLayout& rows, const FineGrayGrid& grid,
                                   const FineGrayDerivatives& d, const Eigen::VectorXd& beta, const Comm& comm);

}  // namespace kohort::survival
