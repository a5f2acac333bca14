#include "jobs/cell_key.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/text.hpp"
#include "io/project_key.hpp"
#include "io/pseudonym.hpp"
#include "perturbation_default_table.hpp"  // generated from share/perturbation/default.tsv (src/CMakeLists.txt)

namespace kohort::cellkey {

namespace {
// Domain separation: a record key is never equal to a pid made with the same secret.
constexpr char kRecordKeyLabel[] = "kohort-record-key";
}  // namespace

RecordKeys::RecordKeys(const std::string& secret_file) {
    const io::ProjectKey secret = io::read_project_key(secret_file);
    mac_ = std::make_unique<io::Pseudonymiser>(secret);
}

RecordKeys::~RecordKeys() = default;

Key RecordKeys::key(std::int64_t pid) {
    unsigned char msg[sizeof kRecordKeyLabel - 1 + 8];
    std::memcpy(msg, kRecordKeyLabel, sizeof kRecordKeyLabel - 1);
    const auto u = static_cast<std::uint64_t>(pid);
    for (int i = 0; i < 8; ++i) msg[sizeof kRecordKeyLabel - 1 + i] = static_cast<unsigned char>(u >> (56 - 8 * i));
    const io::Digest d = mac_->mac(msg, sizeof msg);
    Key k = 0;
    for (int i = 0; i < 8; ++i) k = (k << 8) | d[static_cast<std::size_t>(i)];
    return k;
}

std::vector<Key> RecordKeys::keys(const std::vector<std::int64_t>& pids) {
    std::vector<Key> out(pids.size());
    for (std::size_t i = 0; i < pids.size(); ++i)
        out[i] = pids[i] == std::numeric_limits<std::int64_t>::min() ? 0 : key(pids[i]);
    return out;
}

Key sum(const std::vector<Key>& keys) {
    Key s = 0;
    for (Key k : keys) s += k;  // modulo 2^64: unsigned wrap-around is defined
    return s;
}

Key allreduce(const Comm& comm, Key local) { return comm.allreduce(local); }

void allreduce(const Comm& comm, std::vector<Key>& local) { comm.allreduce(local); }

std::vector<Key> suffix_sums(const std::vector<Key>& keys) {
    std::vector<Key> out(keys.size());
    Key s = 0;
    for (std::size_t j = keys.size(); j-- > 0;) out[j] = s += keys[j];
    return out;
}

PerturbationTable PerturbationTable::parse(const std::string& text, const std::string& origin) {
    PerturbationTable t;
    t.origin_ = origin;
    TextLines lines(text);
    bool header = false;
    std::vector<std::vector<std::pair<std::int64_t, double>>> rows;
    // After the last line, lines.number() is one past it: the checks of the whole table point there.
    auto fail = [&](const std::string& msg) { throw InputError(origin, lines.number(), 0, msg); };
    while (lines.next()) {
        const std::string& line = lines.line();
        if (line.empty()) continue;
        if (line[0] == '#') {
            // "# name<TAB>value" lines are parameters; other comment lines are prose.
            const auto tab = line.find('\t');
            if (tab != std::string::npos) {
                std::istringstream p(line.substr(1, tab - 1) + " " + line.substr(tab + 1));
                std::string name, value;
                if (p >> name >> value) t.params_[name] = value;
            }
            continue;
        }
        if (!header) {
            // Line content is never quoted: a mistaken path may point at a secret (e.g. the key file).
            if (line != "count\tnoise\tprobability")
                fail("expected the header 'count<TAB>noise<TAB>probability' (a line of " + std::to_string(line.size()) +
                     " characters was found; is this a perturbation table?)");
            header = true;
            continue;
        }
        std::istringstream r(line);
        std::int64_t c = 0, v = 0;
        double p = -1;
        std::string extra;
        if (!(r >> c >> v >> p) || (r >> extra))
            fail("expected three fields separated by tabs: a count class (integer), a noise (integer) and its probability");
        if (c < 1) fail("count class " + std::to_string(c) + ": expected 1 or more");
        if (!(p >= 0 && p <= 1)) fail("probability must be in [0, 1]");
        if (c + v < 0) fail("noise " + std::to_string(v) + " would make a count of " + std::to_string(c) + " negative");
        if (static_cast<std::size_t>(c) > rows.size() + 1)
            fail("count class " + std::to_string(c) + " follows class " + std::to_string(rows.size()) + "; expected " +
                 std::to_string(rows.size() + 1));
        if (static_cast<std::size_t>(c) == rows.size() + 1) rows.emplace_back();
        else if (static_cast<std::size_t>(c) != rows.size()) fail("count classes must be listed in increasing order");
        auto& cls = rows[static_cast<std::size_t>(c - 1)];
        if (!cls.empty() && v <= cls.back().first) fail("noise values of a class must increase");
        cls.emplace_back(v, p);
    }
    if (rows.empty()) fail("the table has no rows");
    for (std::size_t c = 0; c < rows.size(); ++c) {
        double total = 0, mean = 0;
        Class cls;
        for (const auto& [v, p] : rows[c]) {
            total += p;
            mean += p * static_cast<double>(v);
            t.max_noise_ = std::max<int>(t.max_noise_, static_cast<int>(std::llabs(v)));
            // Thresholds as fixed-point fractions of 2^64: the cell key (a uint64) is compared exactly.
            const long double scaled = std::ldexp(static_cast<long double>(total), 64);
            cls.noise.push_back(v);
            cls.upper.push_back(scaled >= std::ldexp(1.0L, 64) ? ~Key{0} : static_cast<Key>(scaled));
        }
        if (std::fabs(total - 1) > 1e-9)
            fail("the probabilities of count class " + std::to_string(c + 1) + " sum to " + std::to_string(total) +
                 "; expected 1");
        if (std::fabs(mean) > 1e-6)
            fail("the noise of count class " + std::to_string(c + 1) + " has mean " + std::to_string(mean) +
                 "; expected 0 (unbiased counts)");
        cls.upper.back() = ~Key{0};
        t.classes_.push_back(std::move(cls));
    }
    if (t.params_.count("variance")) t.variance_ = std::stod(t.params_.at("variance"));
    if (t.params_.count("exact_recovery_bound")) t.recovery_bound_ = std::stod(t.params_.at("exact_recovery_bound"));
    t.params_["max_noise"] = std::to_string(t.max_noise_);
    return t;
}

PerturbationTable PerturbationTable::load(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw UsageError("perturbation table " + path + ": cannot read it");
    std::stringstream s;
    s << f.rdbuf();
    return parse(s.str(), path);
}

const PerturbationTable& PerturbationTable::built_in() {
    static const PerturbationTable t = parse(kDefaultPerturbationTable, "the built-in table (share/perturbation/default.tsv)");
    return t;
}

std::int64_t PerturbationTable::noise(std::int64_t count, Key cell_key) const {
    if (count <= 0) return 0;
    const Class& cls = classes_[static_cast<std::size_t>(std::min<std::int64_t>(count, static_cast<std::int64_t>(classes_.size())) - 1)];
    // Inverse CDF: the first noise whose cumulative probability exceeds u = cell_key / 2^64.
    for (std::size_t i = 0; i < cls.upper.size(); ++i)
        if (cell_key < cls.upper[i]) return cls.noise[i];
    return cls.noise.back();
}

std::int64_t PerturbationTable::perturb(std::int64_t count, Key cell_key) const {
    if (count <= 0) return count;
    return std::max<std::int64_t>(0, count + noise(count, cell_key));
}

}  // namespace kohort::cellkey
