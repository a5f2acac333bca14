// Distributed model frame: R's model.frame(na.action = na.omit, drop.unused.levels = TRUE)
// followed by model.matrix() with treatment contrasts, built from each rank's local rows.
//
// Every check that depends on data is reduced across ranks before it throws, so all ranks throw
// the same error together and no rank is left waiting in a collective.
#include "formula/model_frame.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <type_traits>

#include "core/column_sums.hpp"
#include "core/error.hpp"
#include "core/error_counts.hpp"
#include "formula/agreed_levels.hpp"
#include "formula/limits.hpp"
#include "store/prefault.hpp"

namespace kohort {

namespace {

bool is_factor_type(ColumnType t) { return t == ColumnType::Bool || t == ColumnType::Categorical; }

std::string list_values(const std::vector<double>& v, std::size_t max = 10) {
    std::string s;
    for (std::size_t k = 0; k < v.size() && k < max; ++k) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.15g", v[k]);
        s += (k ? ", " : "") + std::string(buf);
    }
    if (v.size() > max) s += ", ... (" + std::to_string(v.size()) + " distinct values)";
    return s;
}


class FrameBuilder {
public:
    // `consumable`: null, or the same table as `t` when no one reads it after this frame; its
    // columns are then freed as soon as the frame no longer needs them, so the frame and the
    // loaded table are never held in full side by side.
    FrameBuilder(const Formula& f, const Table& t, Table* consumable, const Comm& comm, const FrameOptions& o)
        : f_(f), table_(t), table_rows_(t.rows()), consumable_(consumable), comm_(comm), opt_(o),
          where_(o.source.empty() ? "" : o.source + ": ") {}

    ModelFrame build() {
        resolve_columns();
        select_rows();
        response();
        release_after(Phase::Response);
        design_matrix();
        release_after(Phase::Terms);
        weights_and_offset();
        release_after(Phase::WeightsOffset);
        strata();
        release_after(Phase::Strata);
        cluster();
        release_after(Phase::Cluster);
        return std::move(mf_);
    }

private:
    [[noreturn]] void fail(const std::string& msg) const { throw UsageError(where_ + msg); }

    // The steps of build() that read columns, in order; a column is freed after the last one.
    enum class Phase { Response, Terms, WeightsOffset, Strata, Cluster };

    struct Use {
        const Column* column;
        std::string role;
        Phase last_phase;
    };

    const Column& column(const std::string& name, const std::string& role, Phase phase) {
        const Column* c = table_.find(name);
        if (!c) {
            std::string have;
            for (const auto& col : table_.columns) have += (have.empty() ? "" : ", ") + col.name;
            fail("table '" + table_.name + "' has no column '" + name + "' (used as " + role +
                 " in formula '" + f_.text + "'); its columns are: " + have);
        }
        if (c->size() != table_rows_)
            throw InternalError("column '" + name + "' of table '" + table_.name + "' has a different row count");
        auto use = std::find_if(uses_.begin(), uses_.end(), [c](const Use& u) { return u.column == c; });
        if (use == uses_.end()) uses_.push_back({c, role, phase});
        else use->last_phase = std::max(use->last_phase, phase);
        return *c;
    }

    Phase last_phase(const Column* c) const {
        for (const Use& u : uses_)
            if (u.column == c) return u.last_phase;
        throw InternalError("column '" + c->name + "' is not used by the model frame");
    }

    void release(const Column* c) {
        if (!consumable_) return;
        for (Column& col : consumable_->columns)
            if (&col == c) col.visit_buffer([](auto& buf) { std::decay_t<decltype(buf)>().swap(buf); });
    }

    void release_after(Phase phase) {
        for (const Use& u : uses_)
            if (u.last_phase == phase) release(u.column);
    }

    void require_type(const Column& c, const std::string& role, std::initializer_list<ColumnType> ok,
                      const std::string& expected) const {
        if (std::find(ok.begin(), ok.end(), c.type) == ok.end())
            fail("column '" + c.name + "' is " + std::string(to_string(c.type)) + ", but " + role + " needs " +
                 expected);
    }

    void resolve_columns() {
        using CT = ColumnType;
        const auto& rc = f_.response_columns;
        if (f_.response == Formula::Response::Column) {
            response_ = &column(rc[0], "the response", Phase::Response);
            require_type(*response_, "the response", {CT::Int64, CT::Double, CT::Bool},
                         "a numeric or bool column (int64, double or bool)");
        } else if (f_.response == Formula::Response::Surv2 || f_.response == Formula::Response::Surv3) {
            const bool three = f_.response == Formula::Response::Surv3;
            if (three) {
                start_ = &column(rc[0], "the Surv() start time", Phase::Response);
                require_type(*start_, "the Surv() start time", {CT::Int64, CT::Double, CT::Date},
                             "a numeric column (int64, double or date)");
            }
            time_ = &column(rc[three ? 1 : 0], "the Surv() time", Phase::Response);
            require_type(*time_, "the Surv() time", {CT::Int64, CT::Double, CT::Date},
                         "a numeric column (int64, double or date)");
            status_ = &column(rc[three ? 2 : 1], "the Surv() status", Phase::Response);
            require_type(*status_, "the Surv() status", {CT::Int64, CT::Double, CT::Bool},
                         "an int64, double or bool column");
        }
        for (const Term& t : f_.terms)
            for (const Variable& v : t.variables) {
                if (std::any_of(vars_.begin(), vars_.end(), [&v](const VarData& d) { return d.var == v; })) continue;
                VarData d;
                d.var = v;
                d.column = &column(v.column, "a term", Phase::Terms);
                d.factor = v.as_factor || is_factor_type(d.column->type);
                if (!d.factor)
                    require_type(*d.column, "a numeric term", {CT::Int64, CT::Double, CT::Date},
                                 "a numeric column; wrap it in factor() for a factor");
                vars_.push_back(std::move(d));
            }
        for (const auto& s : f_.strata) strata_.push_back(&column(s, "strata()", Phase::Strata));
        for (const Offset& o : f_.offsets) {
            const std::string role = o.log ? "offset(log(" + o.column + "))" : "offset(" + o.column + ")";
            offsets_.push_back(&column(o.column, role, Phase::WeightsOffset));
            require_type(*offsets_.back(), role, {CT::Int64, CT::Double}, "a numeric column (int64 or double)");
        }
        if (!opt_.weights_column.empty()) {
            weights_ = &column(opt_.weights_column, "weights", Phase::WeightsOffset);
            require_type(*weights_, "weights", {CT::Int64, CT::Double}, "a numeric column (int64 or double)");
        }
        const std::string cl = f_.cluster ? *f_.cluster : opt_.cluster_column;
        if (!cl.empty()) cluster_ = &column(cl, "cluster", Phase::Cluster);
    }

    // R's na.omit: a row with a missing value in any used column is dropped.
    void select_rows() {
        const std::size_t n = table_rows_;
        std::vector<std::uint8_t> keep(n, 1);
        std::vector<std::int64_t> present(uses_.size() + 1, 0);
        for (std::size_t k = 0; k < uses_.size(); ++k) {
            const Column& c = *uses_[k].column;
            std::int64_t count = 0;
            c.visit_values([&](const auto& buf, auto missing) {
#pragma omp parallel for reduction(+ : count) if (n > 50000)
                for (std::size_t i = 0; i < n; ++i) {
                    const bool m = missing(buf[i]);
                    keep[i] &= static_cast<std::uint8_t>(!m);
                    count += !m;
                }
            });
            present[k] = count;
        }
        present.back() = static_cast<std::int64_t>(n);
        comm_.allreduce(present);
        const std::int64_t total = present.back();
        if (total == 0) fail("table '" + table_.name + "' has no rows; a model needs data");
        for (std::size_t k = 0; k < uses_.size(); ++k)
            if (present[k] == 0)
                fail("column '" + uses_[k].column->name + "' (used as " + uses_[k].role + ") is missing in all " +
                     error_count(total) + " rows of table '" + table_.name + "'; expected some values");
        reserve_prefaulted(rows_, n);
        for (std::size_t i = 0; i < n; ++i)
            if (keep[i]) rows_.push_back(i);
        if (opt_.record_keys) {
            if (opt_.record_keys->size() != n) throw InternalError("record keys do not match the table's rows");
            mf_.record_keys.reserve(rows_.size());
            for (std::size_t r : rows_) mf_.record_keys.push_back((*opt_.record_keys)[r]);
        }
        mf_.n_total = comm_.allreduce(static_cast<std::int64_t>(rows_.size()));
        mf_.n_dropped_missing = total - mf_.n_total;
        if (mf_.n_total == 0) {
            std::string cols;
            for (const Use& u : uses_) cols += (cols.empty() ? "" : ", ") + u.column->name;
            fail("no complete rows: each of the " + error_count(total) + " rows of table '" + table_.name +
                 "' has a missing value in at least one of the columns " + cols);
        }
    }

    // Calls f(value) once, value(i) being used row i's value of c as a double (none missing). The
    // type switch stays outside the row loops; when no row was dropped (the usual case) the column
    // is read directly instead of through the row index.
    template <typename F>
    void with_used_values(const Column& c, F f) const {
        const bool all = rows_.size() == table_rows_;
        const std::size_t* rows = rows_.data();
        c.visit_buffer([&](const auto& buf) {
            const auto* in = buf.data();
            if (all) f([in](std::ptrdiff_t i) { return static_cast<double>(in[i]); });
            else f([in, rows](std::ptrdiff_t i) { return static_cast<double>(in[rows[i]]); });
        });
    }

    // out[i] = op(out[i], value of used row i as a double), for every used row.
    template <typename Op>
    void combine(const Column& c, double* out, Op op) const {
        const auto n = static_cast<std::ptrdiff_t>(rows_.size());
        with_used_values(c, [&](auto value) {
#pragma omp parallel for schedule(static) if (n > 50000)
            for (std::ptrdiff_t i = 0; i < n; ++i) out[i] = op(out[i], value(i));
        });
    }

    // n doubles, faulted in at once (store/prefault.hpp), contents unset.
    static Eigen::VectorXd fresh_vector(Eigen::Index n) {
        Eigen::VectorXd v(n);
        prefault_bytes(v.data(), static_cast<std::size_t>(n) * sizeof(double));
        return v;
    }

    void copy_values(const Column& c, double* out) const {
        combine(c, out, [](double, double v) { return v; });
    }

    // copy_values, also summing the values and taking their minimum and maximum on the way
    // (ModelFrame::ColumnSummary): in blocks of kSummaryRows rows, each summarised in lanes
    // (core/column_sums.hpp) as soon as it is written, while it is still in cache; the blocks are
    // added in order, so the summary is the same for any number of threads.
    static constexpr std::ptrdiff_t kSummaryRows = 1 << 16;
    ModelFrame::ColumnSummary copy_values_summarised(const Column& c, double* out) const {
        const auto n = static_cast<std::ptrdiff_t>(rows_.size());
        const std::ptrdiff_t blocks = (n + kSummaryRows - 1) / kSummaryRows;
        std::vector<ColumnRange> part(static_cast<std::size_t>(blocks));
        with_used_values(c, [&](auto value) {
#pragma omp parallel for schedule(static) if (n > 50000)
            for (std::ptrdiff_t b = 0; b < blocks; ++b) {
                const std::ptrdiff_t a = b * kSummaryRows, e = std::min(n, a + kSummaryRows);
                for (std::ptrdiff_t i = a; i < e; ++i) out[i] = value(i);
                part[static_cast<std::size_t>(b)] = column_range(out + a, e - a);
            }
        });
        ModelFrame::ColumnSummary total;
        total.known = true;
        for (const ColumnRange& r : part) {
            total.sum += r.weighted_sum;
            total.min = std::min(total.min, r.min);
            total.max = std::max(total.max, r.max);
        }
        return total;
    }

    // Values of the used rows (none missing) as doubles.
    Eigen::VectorXd values(const Column& c) const {
        Eigen::VectorXd v = fresh_vector(static_cast<Eigen::Index>(rows_.size()));
        copy_values(c, v.data());
        return v;
    }

    void response() {
        const Eigen::Index n = static_cast<Eigen::Index>(rows_.size());
        if (response_) mf_.y = values(*response_);
        if (!time_) return;
        mf_.stop = values(*time_);
        if (start_) {
            mf_.has_start = true;
            mf_.start = values(*start_);
            std::int64_t bad = 0;
            for (Eigen::Index i = 0; i < n; ++i) bad += mf_.stop[i] <= mf_.start[i] ? 1 : 0;
            bad = comm_.allreduce(bad);
            if (bad > 0)
                fail("Surv(" + start_->name + ", " + time_->name + ", ...): " + error_count(bad) +
                     " rows have a stop time at or before their start time; expected stop > start");
        }
        status();
    }

    // Status codings of R's Surv(): logical, 0/1, or 1/2 where 2 = event (if the largest value is 2,
    // 1 is subtracted); decided from the values on all ranks. Competing risks keep 0..K.
    void status() {
        const Column& c = *status_;
        const std::size_t n = rows_.size();
        mf_.status.resize(static_cast<Eigen::Index>(n));
        if (c.type == ColumnType::Bool) {
            for (std::size_t i = 0; i < n; ++i) mf_.status[static_cast<Eigen::Index>(i)] = c.i8[rows_[i]];
            return;
        }
        const Eigen::VectorXd local = values(c);
        std::vector<double> distinct;  // a handful of codes: a small sorted vector beats sorting all rows
        for (std::size_t i = 0; i < n; ++i) {
            const double v = local[static_cast<Eigen::Index>(i)];
            auto it = std::lower_bound(distinct.begin(), distinct.end(), v);
            if (it == distinct.end() || *it != v) {
                if (distinct.size() >= 4096) continue;  // far beyond any valid coding; enough for the message
                distinct.insert(it, v);
            }
        }
        std::vector<double> global = comm_.allgatherv(distinct);
        std::sort(global.begin(), global.end());
        global.erase(std::unique(global.begin(), global.end()), global.end());
        const bool integers = std::all_of(global.begin(), global.end(),
                                          [](double v) { return v == std::floor(v) && std::abs(v) < 1e9; });
        const std::string head = "Surv() status column '" + c.name + "' has the values " + list_values(global) + "; ";
        if (opt_.competing_risks) {
            if (!integers || global.front() < 0)
                fail(head + "expected 0 = censored and 1..K = the competing causes (integers)");
            for (std::size_t i = 0; i < n; ++i) mf_.status[static_cast<Eigen::Index>(i)] = static_cast<int>(local[static_cast<Eigen::Index>(i)]);
            return;
        }
        const double shift = global.back() == 2.0 ? 1.0 : 0.0;  // R: max(status) == 2 means 1/2 coding
        const bool ok = integers && std::all_of(global.begin(), global.end(), [shift](double v) {
                            return v - shift == 0.0 || v - shift == 1.0;
                        });
        if (!ok)
            fail(head + "expected 0/1 (1 = event), bool (TRUE = event), or 1/2 (R's coding, 2 = event); "
                        "a competing-risks model (kind = cif) takes 0 = censored and 1..K = causes");
        for (std::size_t i = 0; i < n; ++i)
            mf_.status[static_cast<Eigen::Index>(i)] = static_cast<int>(local[static_cast<Eigen::Index>(i)] - shift);
    }

    // Per variable of the terms: numeric values, or agreed factor levels with the reference level.
    struct VarData {
        Variable var;
        const Column* column = nullptr;
        bool factor = false;
        AgreedLevels levels;
        std::size_t ref = 0;
        std::string name_for_messages() const {
            return var.as_factor ? "factor(" + var.column + ")" : "column '" + var.column + "'";
        }
    };

    VarData& data_of(const Variable& v) {
        for (auto& d : vars_)
            if (d.var == v) return d;
        throw InternalError("formula variable '" + v.column + "' was not resolved");
    }

    void prepare_variables() {
        for (VarData& d : vars_) {
            if (!d.factor) continue;  // numeric values go straight from the column into X
            d.levels = agree_levels(*d.column, rows_, comm_);
            if (d.levels.labels.size() < 2)
                // Levels are not listed in messages: a level may be held by a single person.
                fail(d.name_for_messages() + " has a single level among the " +
                     error_count(mf_.n_total) +
                     " rows used; a factor in a model needs at least 2 levels (R: contrasts can be applied "
                     "only to factors with 2 or more levels)");
            // Checked here, before any design column exists: factor(pid) has a level per person.
            if (d.levels.labels.size() > limits::kDesignColumns + 1)
                fail(d.name_for_messages() + " has " + std::to_string(d.levels.labels.size()) +
                     " levels among the rows used; a factor adds a design-matrix column per level but one, and "
                     "the limit on design-matrix columns is " + std::to_string(limits::kDesignColumns) +
                     " (an identifier such as pid is not a factor; use strata() or cluster() for it)");
            if (d.var.ref) {
                const auto k = d.levels.find(*d.var.ref);
                if (!k)
                    fail("factor(" + d.var.column + ", ref=" + *d.var.ref + "): level '" + *d.var.ref +
                         "' does not occur among the rows used; the factor has " + std::to_string(d.levels.labels.size()) +
                         " levels (not listed: a level may be held by a single person)");
                d.ref = *k;
            }
        }
    }

    // One design-matrix column: the product of one entry per variable of its term (level -1: the
    // numeric value, otherwise the indicator of that level).
    struct ColumnSpec {
        std::vector<std::pair<const VarData*, int>> parts;
    };

    // R's coding rule (TermCode in R's model.c, and model.matrix): a factor in a term is coded by
    // treatment contrasts when the term without it is the empty term or is contained in an earlier
    // term; otherwise by one indicator per level. Without an intercept, the first factor of the
    // first term that has one gets indicators (it takes the intercept's place).
    std::vector<std::vector<bool>> coding(bool intercept) const {
        std::vector<std::vector<bool>> contrast(f_.terms.size());
        for (std::size_t j = 0; j < f_.terms.size(); ++j) {
            const auto& vs = f_.terms[j].variables;
            contrast[j].assign(vs.size(), true);
            for (std::size_t a = 0; a < vs.size(); ++a) {
                if (vs.size() == 1) continue;  // margin is the empty term
                bool found = false;
                for (std::size_t e = 0; e < j && !found; ++e) {
                    const auto& earlier = f_.terms[e].variables;
                    bool subset = true;
                    for (std::size_t b = 0; b < vs.size() && subset; ++b)
                        if (b != a && std::find(earlier.begin(), earlier.end(), vs[b]) == earlier.end()) subset = false;
                    found = subset;
                }
                contrast[j][a] = found;
            }
        }
        if (!intercept) {
            for (std::size_t j = 0; j < f_.terms.size(); ++j)
                for (std::size_t a = 0; a < f_.terms[j].variables.size(); ++a)
                    if (vars_factor(f_.terms[j].variables[a])) {
                        contrast[j][a] = false;
                        return contrast;
                    }
        }
        return contrast;
    }

    bool vars_factor(const Variable& v) const {
        for (const auto& d : vars_)
            if (d.var == v) return d.factor;
        return false;
    }

    void design_matrix() {
        prepare_variables();
        mf_.has_intercept = opt_.allow_intercept && f_.intercept;
        // Models without an intercept column (cox, km, cif) code factors as R's coxph does: as if the
        // intercept were there, then drop its column.
        const bool coding_intercept = opt_.allow_intercept ? f_.intercept : true;
        const auto contrast = coding(coding_intercept);

        std::vector<ColumnSpec> specs;
        std::vector<std::string> labels;
        if (mf_.has_intercept) {
            specs.push_back({});
            labels.push_back("(Intercept)");
        }
        for (std::size_t j = 0; j < f_.terms.size(); ++j) {
            const auto& vs = f_.terms[j].variables;
            // Per variable: the entries it contributes (levels in R's order, reference first).
            std::vector<const VarData*> data;
            std::vector<std::vector<int>> choices;
            for (std::size_t a = 0; a < vs.size(); ++a) {
                const VarData& d = data_of(vs[a]);
                data.push_back(&d);
                std::vector<int> ch;
                if (!d.factor) {
                    ch.push_back(-1);
                } else {
                    if (!contrast[j][a]) ch.push_back(static_cast<int>(d.ref));
                    for (std::size_t k = 0; k < d.levels.labels.size(); ++k)
                        if (k != d.ref) ch.push_back(static_cast<int>(k));
                }
                choices.push_back(std::move(ch));
            }
            // Interactions multiply the levels: the total is bounded before any column is built.
            std::size_t term_columns = 1;
            for (const auto& ch : choices)
                term_columns = ch.size() > (limits::kDesignColumns + 1) / term_columns
                                   ? limits::kDesignColumns + 1
                                   : term_columns * ch.size();
            if (specs.size() + term_columns > limits::kDesignColumns)
                fail("the design matrix would have more than " + std::to_string(limits::kDesignColumns) +
                     " columns (the limit on design-matrix columns) once term '" + term_label(f_.terms[j]) +
                     "' adds its factor levels; expected fewer levels or interactions");
            // R's column order: the first variable of the term varies fastest.
            std::vector<std::size_t> at(vs.size(), 0);
            for (;;) {
                ColumnSpec spec;
                std::string label;
                for (std::size_t a = 0; a < vs.size(); ++a) {
                    const int level = choices[a][at[a]];
                    spec.parts.emplace_back(data[a], level);
                    if (a) label += ":";
                    label += data[a]->var.column;
                    if (level >= 0) label += "=" + data[a]->levels.labels[static_cast<std::size_t>(level)];
                }
                specs.push_back(std::move(spec));
                labels.push_back(std::move(label));
                std::size_t a = 0;
                while (a < vs.size() && ++at[a] == choices[a].size()) at[a++] = 0;
                if (a == vs.size()) break;
            }
        }

        const Eigen::Index n = static_cast<Eigen::Index>(rows_.size());
        const Eigen::Index p = static_cast<Eigen::Index>(specs.size());
        if (opt_.room_to_grow_x) mf_.x_room = allocate_with_room(mf_.X, n, p);  // store/address_room.hpp
        else mf_.X.resize(n, p);
        if (opt_.summarise_columns) mf_.x_summary.assign(static_cast<std::size_t>(p), ModelFrame::ColumnSummary{});
        mf_.terms = std::move(labels);

        // A factor's column is done once its levels are agreed; a numeric one after the last
        // design column that reads it.
        std::vector<std::pair<const Column*, Eigen::Index>> last_read;
        for (const VarData& d : vars_) {
            if (last_phase(d.column) != Phase::Terms) continue;
            Eigen::Index last = -1;
            if (!d.factor)
                for (Eigen::Index c = 0; c < p; ++c)
                    for (const auto& part : specs[static_cast<std::size_t>(c)].parts)
                        if (part.first == &d) last = c;
            last_read.emplace_back(d.column, last);
        }
        auto release_read_up_to = [&](Eigen::Index c) {
            for (const auto& [col, last] : last_read)
                if (last == c) release(col);
        };
        release_read_up_to(-1);

        for (Eigen::Index c = 0; c < p; ++c) {
            double* out = mf_.X.col(c).data();
            // Faulted in column by column, as the table's columns are freed, so the two are
            // never resident in full together.
            prefault_bytes(out, static_cast<std::size_t>(n) * sizeof(double));
            const auto& parts = specs[static_cast<std::size_t>(c)].parts;
            if (parts.empty()) std::fill(out, out + n, 1.0);
            for (std::size_t k = 0; k < parts.size(); ++k) {
                // Plain variables, not a structured binding: clang 14 cannot capture one in an OpenMP region.
                const auto* d = parts[k].first;
                const auto level = parts[k].second;
                // The first part writes the column, later ones multiply into it (one pass each).
                if (level < 0) {
                    if (k == 0 && parts.size() == 1 && opt_.summarise_columns)
                        mf_.x_summary[static_cast<std::size_t>(c)] = copy_values_summarised(*d->column, out);
                    else if (k == 0) copy_values(*d->column, out);
                    else combine(*d->column, out, [](double acc, double v) { return acc * v; });
                } else {
                    const std::int32_t* idx = d->levels.index.data();
                    if (k == 0) {
#pragma omp parallel for schedule(static) if (n > 50000)
                        for (Eigen::Index i = 0; i < n; ++i) out[i] = idx[i] == level ? 1.0 : 0.0;
                    } else {
#pragma omp parallel for schedule(static) if (n > 50000)
                        for (Eigen::Index i = 0; i < n; ++i) out[i] = idx[i] == level ? out[i] : 0.0;
                    }
                }
            }
            release_read_up_to(c);
        }
    }

    void weights_and_offset() {
        const Eigen::Index n = static_cast<Eigen::Index>(rows_.size());
        if (weights_) {
            mf_.weights = values(*weights_);
            std::int64_t negative = (mf_.weights.array() < 0.0).count();
            negative = comm_.allreduce(negative);
            if (negative > 0)
                fail("weights column '" + weights_->name + "' has " + error_count(negative) +
                     " negative values among the rows used; expected weights >= 0");
        } else if (!opt_.constants_left_empty) {
            mf_.weights = fresh_vector(n);
            mf_.weights.setOnes();
        }
        if (f_.offsets.empty() && opt_.constants_left_empty) return;
        mf_.offset = fresh_vector(n);
        mf_.offset.setZero();
        for (std::size_t k = 0; k < f_.offsets.size(); ++k) {
            Eigen::VectorXd v = values(*offsets_[k]);
            if (f_.offsets[k].log) {
                std::int64_t bad = (v.array() <= 0.0).count();
                bad = comm_.allreduce(bad);
                if (bad > 0)
                    fail("offset(log(" + offsets_[k]->name + ")): column '" + offsets_[k]->name + "' has " +
                         error_count(bad) + " values <= 0 among the rows used; log() needs values > 0");
                // std::log per value, not Eigen's packet log: the result must not depend on where a
                // row falls in a SIMD packet, i.e. on how rows are split across ranks.
                for (Eigen::Index i = 0; i < v.size(); ++i) v[i] = std::log(v[i]);
            }
            mf_.offset += v;
        }
    }

    // Strata: the combination of the strata columns' agreed levels, numbered in lexicographic order
    // (first column slowest, as R's strata() orders them), counting only combinations that occur.
    void strata() {
        const std::size_t n = rows_.size();
        if (strata_.empty()) {
            reserve_prefaulted(mf_.strata, n);
            mf_.strata.assign(n, 0);
            mf_.strata_labels = {"all"};
            return;
        }
        std::vector<AgreedLevels> levels;
        std::vector<std::int64_t> radix;
        std::int64_t combos = 1;
        for (const Column* c : strata_) {
            levels.push_back(agree_levels(*c, rows_, comm_));
            const auto k = static_cast<std::int64_t>(levels.back().labels.size());
            if (combos > (std::int64_t{1} << 62) / std::max<std::int64_t>(k, 1))
                fail("strata(): the strata columns have too many combinations of levels");
            combos *= k;
            radix.push_back(k);
        }
        std::vector<std::int64_t> code(n, 0);
        for (std::size_t s = 0; s < levels.size(); ++s) {
            const std::int32_t* idx = levels[s].index.data();
            for (std::size_t i = 0; i < n; ++i) code[i] = code[i] * radix[s] + idx[i];
        }
        // Few combinations (the usual case): a dense table instead of sorting every row's code.
        const bool dense = combos <= (std::int64_t{1} << 22);
        std::vector<std::int64_t> distinct;
        if (dense) {
            std::vector<std::uint8_t> seen(static_cast<std::size_t>(combos), 0);
            for (std::size_t i = 0; i < n; ++i) seen[static_cast<std::size_t>(code[i])] = 1;
            for (std::int64_t k = 0; k < combos; ++k)
                if (seen[static_cast<std::size_t>(k)]) distinct.push_back(k);
        } else {
            distinct = code;
            std::sort(distinct.begin(), distinct.end());
            distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        }
        std::vector<std::int64_t> global = comm_.allgatherv(distinct);
        std::sort(global.begin(), global.end());
        global.erase(std::unique(global.begin(), global.end()), global.end());
        mf_.strata.resize(n);
        if (dense) {
            std::vector<std::int32_t> position(static_cast<std::size_t>(combos), -1);
            for (std::size_t g = 0; g < global.size(); ++g)
                position[static_cast<std::size_t>(global[g])] = static_cast<std::int32_t>(g);
            for (std::size_t i = 0; i < n; ++i) mf_.strata[i] = position[static_cast<std::size_t>(code[i])];
        } else {
#pragma omp parallel for if (n > 50000)
            for (std::size_t i = 0; i < n; ++i)
                mf_.strata[i] = static_cast<std::int32_t>(std::lower_bound(global.begin(), global.end(), code[i]) -
                                                          global.begin());
        }
        for (std::int64_t g : global) {
            std::vector<std::string> parts(levels.size());
            for (std::size_t s = levels.size(); s-- > 0;) {
                parts[s] = strata_[s]->name + "=" + levels[s].labels[static_cast<std::size_t>(g % radix[s])];
                g /= radix[s];
            }
            std::string label;
            for (const auto& part : parts) label += (label.empty() ? "" : ", ") + part;
            mf_.strata_labels.push_back(std::move(label));
        }
    }

    void cluster() {
        if (!cluster_) return;
        const Column& c = *cluster_;
        const std::size_t n = rows_.size();
        mf_.has_cluster = true;
        mf_.cluster_column = c.name;
        mf_.cluster.resize(n);
        if (c.type == ColumnType::Categorical) {
            const AgreedLevels lv = agree_levels(c, rows_, comm_);  // codes may differ by rank; labels do not
            for (std::size_t i = 0; i < n; ++i) mf_.cluster[i] = lv.index[i];
            return;
        }
        if (c.type == ColumnType::Double) {
            std::int64_t bad = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const double v = c.f64[rows_[i]];
                bad += (v != std::floor(v) || std::abs(v) > 9e15) ? 1 : 0;
            }
            bad = comm_.allreduce(bad);
            if (bad > 0)
                fail("cluster column '" + c.name + "' has " + error_count(bad) +
                     " values that are not whole numbers; expected an id (int64, categorical or whole numbers)");
        }
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t r = rows_[i];
            switch (c.type) {
                case ColumnType::Int64: mf_.cluster[i] = c.i64[r]; break;
                case ColumnType::Double: mf_.cluster[i] = static_cast<std::int64_t>(c.f64[r]); break;
                case ColumnType::Bool: mf_.cluster[i] = c.i8[r]; break;
                case ColumnType::Date: mf_.cluster[i] = c.i32[r]; break;
                case ColumnType::Categorical: break;
            }
        }
    }

    const Formula& f_;
    const Table& table_;
    const std::size_t table_rows_;  // fixed before any column is released
    Table* consumable_;
    const Comm& comm_;
    const FrameOptions& opt_;
    const std::string where_;

    std::vector<Use> uses_;
    const Column* response_ = nullptr;
    const Column* start_ = nullptr;
    const Column* time_ = nullptr;
    const Column* status_ = nullptr;
    const Column* weights_ = nullptr;
    const Column* cluster_ = nullptr;
    std::vector<const Column*> strata_;
    std::vector<const Column*> offsets_;
    std::vector<VarData> vars_;
    std::vector<std::size_t> rows_;
    ModelFrame mf_;
};

}  // namespace

ModelFrame build_model_frame(const Formula& formula, const Table& local, const Comm& comm,
                             const FrameOptions& options) {
    return FrameBuilder(formula, local, nullptr, comm, options).build();
}

ModelFrame build_model_frame(const Formula& formula, Table&& local, const Comm& comm, const FrameOptions& options) {
    ModelFrame frame = FrameBuilder(formula, local, &local, comm, options).build();
    local.columns.clear();  // what the frame did not read is not needed either
    return frame;
}

}  // namespace kohort
