// Lexis splitting (Clayton & Hills, Statistical Models in Epidemiology, ch. 6; R's Epi::splitLexis):
// each person's follow-up from index to exit is cut at age-band and calendar-period boundaries, and
// every piece becomes a row with its person-years and its events, so a Poisson model
//   events ~ covariates + factor(age_band) + factor(period) + offset(log(pyrs))
// estimates rate ratios with rates piecewise constant in attained age and calendar time.
#pragma once
#include "kernels/linkage/study_definition.hpp"
#include "mpi/comm.hpp"
#include "store/table.hpp"

namespace kohort::linkage {

// Splits this rank's cohort rows (columns of build_cohort: index_date, exit_date, status and, for
// age splitting, age). Output: pid, the cohort's covariates, age_band, period, age_mid (attained
// age at the piece's midpoint), pyrs (person-years), events (outcome at the piece's end: 0/1),
// competing (competing event at the piece's end: 0/1). Collective (agrees band labels).
Table lexis_split(const Table& cohort, const LexisDef& def, const Comm& comm);

}  // namespace kohort::linkage
