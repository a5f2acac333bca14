#include "synth/synth.hpp"

#include <omp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <type_traits>
#include <utility>

#include "core/error.hpp"
#include "core/omp_exceptions.hpp"
#include "core/thread_share.hpp"
#include "synth/codes.hpp"
#include "synth/genotype_synth.hpp"
#include "synth/person.hpp"
#include "synth/pid.hpp"
#include "synth/registers.hpp"
#include "synth/rng.hpp"
#include "synth/truth.hpp"

namespace kohort::synth {

namespace {

using Clock = std::chrono::steady_clock;

class Progress {
public:
    explicit Progress(bool on) : on_(on), start_(Clock::now()) {}
    template <typename... A>
    void say(const char* fmt, A... a) const {
        if (!on_) return;
        const double s = std::chrono::duration<double>(Clock::now() - start_).count();
        std::fprintf(stderr, "kohort synth [%6.2fs] ", s);
        std::fprintf(stderr, fmt, a...);
        std::fputc('\n', stderr);
    }
    double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

private:
    bool on_;
    Clock::time_point start_;
};

Column make_column(const char* name, ColumnType type, std::size_t n, std::vector<std::string> dict = {}) {
    Column c(name, type);
    c.resize(n);
    c.dictionary = std::move(dict);
    return c;
}

// Asks for transparent huge pages on a large reserved buffer: first-touch page faults on the
// hundreds of MB of register columns cost more than generating them. Only a hint; failure is fine.
template <typename T>
void advise_huge_pages(const std::vector<T>& v) {
    constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
    const auto begin = reinterpret_cast<std::uintptr_t>(v.data());
    const std::uintptr_t end = begin + v.capacity() * sizeof(T);
    const std::uintptr_t a = (begin + kHuge - 1) & ~(kHuge - 1), b = end & ~(kHuge - 1);
    if (b > a) ::madvise(reinterpret_cast<void*>(a), b - a, MADV_HUGEPAGE);
}

// Concatenates one buffer of per-thread parts in thread order (= person order) into one column
// buffer, freeing the parts' buffers as it goes.
template <typename Part, typename T>
std::vector<T> concatenate(std::vector<Part>& parts, std::vector<T> Part::*buffer) {
    if (parts.size() == 1) return std::move(parts.front().*buffer);
    std::vector<std::size_t> offset(parts.size() + 1, 0);
    for (std::size_t t = 0; t < parts.size(); ++t) offset[t + 1] = offset[t] + (parts[t].*buffer).size();
    std::vector<T> out(offset.back());
#pragma omp parallel for schedule(static, 1)
    for (std::size_t t = 0; t < parts.size(); ++t) {
        std::vector<T>& part = parts[t].*buffer;
        if (!part.empty()) std::memcpy(out.data() + offset[t], part.data(), part.size() * sizeof(T));
        std::vector<T>().swap(part);
    }
    return out;
}

// One thread's share of an event register (diagnoses, prescriptions), in person order.
struct EventRows {
    std::vector<std::int64_t> pid;
    std::vector<std::int32_t> date, code;
    std::vector<double> ddd;  // prescriptions only

    void reserve(std::size_t n, bool with_ddd) {
        pid.reserve(n), date.reserve(n), code.reserve(n);
        advise_huge_pages(pid), advise_huge_pages(date), advise_huge_pages(code);
        if (with_ddd) ddd.reserve(n), advise_huge_pages(ddd);
    }
    void append(std::int64_t person, const DiagnosisRow& r) {
        pid.push_back(person), date.push_back(r.date), code.push_back(r.code);
    }
    void append(std::int64_t person, const PrescriptionRow& r) {
        pid.push_back(person), date.push_back(r.date), code.push_back(r.code), ddd.push_back(r.ddd);
    }
};

// An event register as a table (pid, date, code_column and, for prescriptions, ddd): each thread
// generates the rows of its contiguous share of the persons with rows_of (about rows_per_person
// each), and the shares are concatenated in thread order, so the table is sorted by pid, date
// without a sort.
template <typename Row>
Table event_table(const char* name, const char* code_column, const std::vector<std::string>& dictionary,
                  std::size_t rows_per_person, std::uint64_t seed, const std::vector<PersonLife>& lives,
                  void (*rows_of)(std::uint64_t, const PersonLife&, std::vector<Row>&)) {
    constexpr bool kDose = std::is_same_v<Row, PrescriptionRow>;
    std::vector<EventRows> parts(static_cast<std::size_t>(omp_get_max_threads()));
    OmpExceptions errors;
#pragma omp parallel num_threads(static_cast<int>(parts.size()))
    errors.run([&] {
        const int t = omp_get_thread_num();
        const auto [lo, hi] = thread_share(lives.size(), t, omp_get_num_threads());
        EventRows& part = parts[static_cast<std::size_t>(t)];
        part.reserve((hi - lo) * rows_per_person, kDose);
        std::vector<Row> rows;
        rows.reserve(128);
        for (std::size_t k = lo; k < hi; ++k) {
            rows_of(seed, lives[k], rows);
            for (const Row& r : rows) part.append(lives[k].pid, r);
        }
    });
    errors.rethrow();
    Table t;
    t.name = name;
    t.partitioned_by_pid = true;
    Column pid("pid", ColumnType::Int64), date("date", ColumnType::Date), code(code_column, ColumnType::Categorical);
    pid.i64 = concatenate(parts, &EventRows::pid);
    date.i32 = concatenate(parts, &EventRows::date);
    code.i32 = concatenate(parts, &EventRows::code);
    code.dictionary = dictionary;
    t.add(std::move(pid));
    t.add(std::move(date));
    t.add(std::move(code));
    if constexpr (kDose) {
        Column ddd("ddd", ColumnType::Double);
        ddd.f64 = concatenate(parts, &EventRows::ddd);
        t.add(std::move(ddd));
    }
    return t;
}

std::vector<PersonLife> simulate_lives(const SynthConfig& config, const std::vector<std::int64_t>& persons) {
    std::vector<PersonLife> lives;
    lives.reserve(persons.size());
    advise_huge_pages(lives);
    lives.resize(persons.size());
    const auto n = static_cast<std::int64_t>(persons.size());
    OmpExceptions errors;
#pragma omp parallel for schedule(static)
    for (std::int64_t k = 0; k < n; ++k)
        errors.run([&] {
            const std::int64_t i = persons[static_cast<std::size_t>(k)];
            lives[static_cast<std::size_t>(k)] = simulate_person(config.seed, i, genetic_mi_hr(config.seed, i, config.genotypes));
        });
    errors.rethrow();
    return lives;
}

Table make_population(const std::vector<PersonLife>& lives) {
    const Dictionaries& dict = code_tables().dict;
    const std::size_t n = lives.size();
    Table t;
    t.name = "population";
    t.partitioned_by_pid = true;
    Column pid = make_column("pid", ColumnType::Int64, n), birth = make_column("birth_date", ColumnType::Date, n),
           sex = make_column("sex", ColumnType::Categorical, n, dict.sex),
           region = make_column("region", ColumnType::Categorical, n, dict.region),
           education = make_column("education", ColumnType::Categorical, n, dict.education),
           death = make_column("death_date", ColumnType::Date, n),
           emigration = make_column("emigration_date", ColumnType::Date, n);
    const auto nn = static_cast<std::int64_t>(n);
#pragma omp parallel for schedule(static)
    for (std::int64_t kk = 0; kk < nn; ++kk) {
        const auto k = static_cast<std::size_t>(kk);
        const PersonLife& p = lives[k];
        pid.i64[k] = p.pid;
        birth.i32[k] = p.birth;
        sex.i32[k] = p.male;
        region.i32[k] = p.region;
        education.i32[k] = p.education < 0 ? kMissingCode : p.education;
        death.i32[k] = p.death;
        emigration.i32[k] = p.emigration;
    }
    for (Column* c : {&pid, &birth, &sex, &region, &education, &death, &emigration}) t.add(std::move(*c));
    return t;
}

Table make_diagnoses(std::uint64_t seed, const std::vector<PersonLife>& lives) {
    return event_table("diagnoses", "icd10", code_tables().dict.icd10, 11, seed, lives, person_diagnoses);
}

Table make_prescriptions(std::uint64_t seed, const std::vector<PersonLife>& lives) {
    return event_table("prescriptions", "atc", code_tables().dict.atc, 21, seed, lives, person_prescriptions);
}

void validate(const SynthConfig& config) {
    if (config.persons < 1)
        throw UsageError("synth: --persons must be a positive number of persons; got " + std::to_string(config.persons));
    if (config.persons > (std::int64_t{1} << 40))
        throw UsageError("synth: --persons " + std::to_string(config.persons) + " is too large; expected at most 2^40");
    if (config.genotypes < 0 || config.genotypes > 100'000'000)
        throw UsageError("synth: --genotypes must be between 0 and 100000000; got " + std::to_string(config.genotypes));
}

}  // namespace

std::vector<std::int64_t> local_persons(const SynthConfig& config, int rank, int ranks) {
    validate(config);
    const std::int64_t first = first_bucket(rank, ranks), last = first_bucket(rank + 1, ranks);
    const int T = omp_get_max_threads();
    std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> parts(static_cast<std::size_t>(T));
    OmpExceptions errors;
#pragma omp parallel num_threads(T)
    errors.run([&] {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        const auto [lo, hi] = thread_share(static_cast<std::size_t>(config.persons), t, nt);
        auto& mine = parts[static_cast<std::size_t>(t)];
        mine.reserve((hi - lo) / static_cast<std::size_t>(ranks) + 64);
        for (std::size_t i = lo; i < hi; ++i) {
            const std::int64_t pid = synthetic_pid(config.seed, i);
            const std::int64_t b = pid_bucket(pid);
            if (b >= first && b < last) mine.emplace_back(pid, static_cast<std::int64_t>(i));
        }
        std::sort(mine.begin(), mine.end());
    });
    errors.rethrow();
    // Merge the sorted thread parts (pids are distinct, so the order is unique).
    std::vector<std::pair<std::int64_t, std::int64_t>> all;
    for (auto& p : parts) {
        const std::size_t mid = all.size();
        all.insert(all.end(), p.begin(), p.end());
        std::inplace_merge(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(mid), all.end());
        std::vector<std::pair<std::int64_t, std::int64_t>>().swap(p);
    }
    std::vector<std::int64_t> out(all.size());
    for (std::size_t k = 0; k < all.size(); ++k) out[k] = all[k].second;
    return out;
}

SynthTables generate_part(const SynthConfig& config, int rank, int ranks) {
    const std::vector<PersonLife> lives = simulate_lives(config, local_persons(config, rank, ranks));
    SynthTables out;
    out.population = make_population(lives);
    out.diagnoses = make_diagnoses(config.seed, lives);
    out.prescriptions = make_prescriptions(config.seed, lives);
    if (config.genotypes > 0) out.biomarkers = make_biomarkers(config.seed, config.genotypes, lives);
    return out;
}

Attributes planted_attributes(const SynthConfig& config) {
    using namespace truth;
    Attributes a;
    a["synth_version"] = 1;
    a["seed"] = static_cast<double>(config.seed);  // exact below 2^53; string "seed_decimal" is always exact
    a["persons"] = static_cast<double>(config.persons);
    a["genotypes"] = static_cast<double>(config.genotypes);
    a["index_date"] = kIndexDate;
    a["end_of_study"] = kEndOfStudy;
    a["data_start"] = kDataStart;
    a["birth_date_first"] = kBirthFirst;
    a["birth_date_last"] = kBirthLast;
    a["reference_age"] = 60;
    a["statin_window_days"] = 365;
    a["male_fraction"] = kMaleFraction;
    for (const auto& [prefix, h] : {std::pair{"mi", kMI}, std::pair{"death", kDeath}}) {
        const std::string p = prefix;
        a[p + "_baseline_hazard_per_year"] = h.baseline_per_year;
        a[p + "_hr_statin"] = h.hr_statin;
        a[p + "_hr_diabetes"] = h.hr_diabetes;
        a[p + "_hr_age10"] = h.hr_age10;
        a[p + "_hr_age_per_year"] = std::pow(h.hr_age10, 0.1);
        a[p + "_hr_male"] = h.hr_male;
    }
    a["post_mi_death_hr"] = kPostMiDeathHr;
    a["emigration_hazard_per_year"] = kEmigrationPerYear;
    for (const auto& [prefix, m] : {std::pair{"diabetes", kDiabetesAtIndex}, std::pair{"statin", kStatinAtIndex},
                                    std::pair{"prior_mi", kPriorMi}}) {
        const std::string p = std::string(prefix) + "_logit_";
        a[p + "intercept"] = m.intercept;
        a[p + "age10"] = m.age10;
        a[p + "male"] = m.male;
        a[p + "diabetes"] = m.diabetes;
    }
    a["genotyped_fraction"] = kGenotypedFraction;
    a["genotype_missing_fraction"] = kGenotypeMissing;
    for (const auto& [key, value] : planted_snp_attributes(config.genotypes)) a[key] = value;
    return a;
}

std::vector<std::pair<std::string, std::string>> planted_string_attributes(const SynthConfig& config) {
    const CodeTables& codes = code_tables();
    auto list = [](const auto& arr) {
        std::vector<std::string> v(std::begin(arr), std::end(arr));
        return join(v);
    };
    std::vector<std::string> filler_icd, filler_atc;
    for (std::size_t k = 0; k < codes.dict.icd10.size(); ++k) {
        const std::string& c = codes.dict.icd10[k];
        if (c != kMiCode && !(c >= "E10" && c <= "E14")) filler_icd.push_back(c);
    }
    for (std::size_t k = 0; k < codes.dict.atc.size(); ++k) {
        const std::string& c = codes.dict.atc[k];
        if (c.rfind("C10", 0) != 0 && c.rfind("A10", 0) != 0) filler_atc.push_back(c);
    }
    return {
        {"seed_decimal", std::to_string(config.seed)},
        {"index_date_iso", "2010-01-01"},
        {"end_of_study_iso", "2020-12-31"},
        {"data_start_iso", "1995-01-01"},
        {"mi_codes", kMiCode},
        {"mi_definition", "first diagnoses.icd10 = I21 dated after the index date (index + 1 day or later)"},
        {"diabetes_codes", list(kDiabetesCodes)},
        {"diabetes_definition", "any diagnoses.icd10 in E10-E14 dated before the index date"},
        {"statin_codes", list(kStatinCodes)},
        {"statin_definition", "any prescriptions.atc matching C10AA* dated in [index - 365 days, index - 1 day]"},
        {"antidiabetic_codes", list(kAntidiabeticCodes)},
        {"eligibility", "alive and resident on the index date: death_date and emigration_date missing or after index"},
        {"hazard_model",
         "cause-specific, Gompertz in attained age: h(t) = baseline * HR_statin^statin * HR_diabetes^diabetes * "
         "HR_male^male * HR_age10^((age_at_index + t - 60) / 10), t = years since index"},
        {"censoring", "emigration (constant hazard, independent) and end of study 2020-12-31"},
        {"filler_icd10_codes", join(filler_icd)},
        {"filler_atc_codes", join(filler_atc)},
        {"planted_only_codes", "I21, E10-E14, C10*, A10*: no filler row uses them"},
        {"generator", "kohort synth (docs/synthetic.md)"},
    };
}

// A missing or unwritable folder is the user's input, not an internal error: say so up front,
// before any collective work (every rank sees the same file system and throws the same error).
static void check_output_path(const std::string& path) {
    namespace fs = std::filesystem;
    const fs::path out(path);
    if (path.empty() || out.filename().empty())
        throw UsageError("synth: --out '" + path + "' is not a file name; expected a file such as cohort.h5");
    const fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw InputError(path, 0, 0, "cannot write the store: folder '" + dir.string() + "' does not exist");
    if (fs::is_directory(out, ec))
        throw InputError(path, 0, 0, "cannot write the store: it is a folder; expected a file name");
    if (::access(dir.c_str(), W_OK) != 0)
        throw InputError(path, 0, 0, "cannot write the store: folder '" + dir.string() + "' is not writable");
}

SynthSummary write_synthetic_store(const std::string& path, const SynthConfig& config, const Comm& comm) {
    validate(config);
    check_output_path(path);
    const Progress progress(config.progress && comm.is_root());
    const std::string partial = path + ".partial";
    SynthSummary summary;

    progress.say("%lld persons, seed %llu, %d rank(s) x %d thread(s)", static_cast<long long>(config.persons),
                 static_cast<unsigned long long>(config.seed), comm.size(), omp_get_max_threads());
    const std::vector<PersonLife> lives = simulate_lives(config, local_persons(config, comm.rank(), comm.size()));
    progress.say("simulated lives; rank 0 holds %zu persons", lives.size());

    Store store = Store::create(partial, &comm);
    auto write = [&](const Table& t, std::int64_t& counter) {
        const auto rows = comm.allreduce(static_cast<std::int64_t>(t.rows()));
        progress.say("writing %s: %lld rows", t.name.c_str(), static_cast<long long>(rows));
        store.write(t, comm);
        counter = rows;
    };
    write(make_population(lives), summary.population_rows);
    write(make_diagnoses(config.seed, lives), summary.diagnosis_rows);
    write(make_prescriptions(config.seed, lives), summary.prescription_rows);
    if (config.genotypes > 0) {
        progress.say("writing genotypes: %lld variants", static_cast<long long>(config.genotypes));
        summary.genotype_rows = write_genotype_table(store, config.seed, config.genotypes, lives, comm);
        std::int64_t biomarker_rows = 0;
        write(make_biomarkers(config.seed, config.genotypes, lives), biomarker_rows);
    }
    store.set_attributes(kTruthGroup, planted_attributes(config));
    for (const auto& [key, value] : planted_string_attributes(config)) store.set_string_attribute(kTruthGroup, key, value);
    store.close();
    comm.barrier();
    if (comm.is_root()) {
        std::error_code ec;
        std::filesystem::rename(partial, path, ec);
        if (ec) throw InputError(path, 0, 0, "cannot rename " + partial + " to the store name: " + ec.message());
    }
    comm.barrier();
    summary.seconds = progress.seconds();
    progress.say("done: %s", path.c_str());
    return summary;
}

}  // namespace kohort::synth
