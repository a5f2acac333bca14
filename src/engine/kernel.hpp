// The model-kernel interface. A model kind is a declaration of its options (option_decl.hpp) and
// a function from (its validated options, the loaded local tables, the communicator) to a JSON
// result, a CSV table and optionally an SVG. Kernels follow the consume(local rows) / merge(other)
// / finalize() pattern internally so the same code runs on one rank or many; the MPI reduction is
// the merge.
//
// A kernel registers itself in its own .cpp (docs/developing.md):
//   const SectionDecl& km_declaration() { ... model_declaration("km", "...").add(...) ... }
//   KOHORT_REGISTER_MODEL(km_declaration(), run_km);
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/options.hpp"
#include "formula/model_frame.hpp"
#include "jobs/release.hpp"
#include "mpi/comm.hpp"
#include "store/store.hpp"
#include "store/table.hpp"

namespace kohort {

// A CSV table for OUTPUT/NAME.csv: a header and rows of already-formatted cells.
struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
};

struct ModelContext {
    const Comm& comm;
    const Options& spec;              // the [model.NAME] section, validated against the kind's declaration
    const Table& table;               // this rank's rows of spec.text("table")
    DisclosureLedger& disclosure;     // the job's disclosure policy and what it withheld
    std::function<void(const std::string&)> log;  // progress lines to job.log (root prints)
    // The same table as `table` when no later model of the job reads it, else null. A kernel may
    // then consume it (see model_frame below), freeing each column once it is in the frame.
    Table* consumable = nullptr;
    // The job's store, for kernels that stream a second table themselves (gwas: genotypes).
    const Store* store = nullptr;
    // Under cell key perturbation (issue 16): the record key of each local row of `table` (from
    // its pid), for the cell keys of the counts the kernel releases; null otherwise.
    const std::vector<cellkey::Key>* record_keys = nullptr;
};

// The kernel's model frame: consumes the table when the runner allows it, else reads it.
// Under perturbation the frame carries the used rows' record keys (ModelFrame::record_keys).
inline ModelFrame model_frame(const ModelContext& ctx, const Formula& formula, const FrameOptions& options) {
    FrameOptions o = options;
    o.record_keys = ctx.record_keys;
    if (ctx.consumable) return build_model_frame(formula, std::move(*ctx.consumable), ctx.comm, o);
    return build_model_frame(formula, ctx.table, ctx.comm, o);
}

struct ModelOutput {
    nlohmann::json result;            // becomes results.json models.NAME (must include "kind")
    CsvTable csv;                     // OUTPUT/NAME.csv
    std::optional<std::string> svg;   // OUTPUT/NAME.svg (km, cif)
    // Further files, OUTPUT/NAME<suffix> for each (suffix, content); gwas: ".tsv", "_qq.svg".
    std::map<std::string, std::string> files;
};

using ModelRunner = std::function<ModelOutput(const ModelContext&)>;

// A [model.NAME] declaration for kind `kind`, opened with the keys every model has: kind and table.
SectionDecl model_declaration(const std::string& kind, const std::string& summary);

// Entries by name, for the registries below.
template <class T>
class NamedRegistry {
public:
    void put(const std::string& name, T value) { items_[name] = std::move(value); }
    const T* find(const std::string& name) const {
        auto it = items_.find(name);
        return it == items_.end() ? nullptr : &it->second;
    }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& [n, _] : items_) out.push_back(n);
        return out;
    }

private:
    std::map<std::string, T> items_;
};

struct ModelKind {
    SectionDecl declaration;
    ModelRunner run;
};

class ModelRegistry {
public:
    static ModelRegistry& instance();
    void add(SectionDecl declaration, ModelRunner runner);
    const ModelKind* find(const std::string& kind) const { return kinds_.find(kind); }
    std::vector<std::string> kinds() const { return kinds_.names(); }

private:
    NamedRegistry<ModelKind> kinds_;
};

struct ModelRegistrar {
    ModelRegistrar(SectionDecl declaration, ModelRunner runner) {
        ModelRegistry::instance().add(std::move(declaration), std::move(runner));
    }
    // A kind registered before declarations existed: it takes only kind and table until it
    // declares its options, so any other key is refused, never silently ignored.
    ModelRegistrar(const char* kind, ModelRunner runner)
        : ModelRegistrar(model_declaration(kind, "(this kind declares no options yet)"), std::move(runner)) {}
};

#define KOHORT_CONCAT_INNER(a, b) a##b
#define KOHORT_CONCAT(a, b) KOHORT_CONCAT_INNER(a, b)
#define KOHORT_REGISTER_MODEL(declaration, fn) \
    static const ::kohort::ModelRegistrar KOHORT_CONCAT(kohort_registrar_, __LINE__){declaration, fn}

// A [model.NAME] section's keys validated against the registered declaration of `kind` (kind is
// added when absent). For tests and tools that call a kernel without a job file; a job file's
// sections are validated by read_job_file.
Options validate_model_options(const std::string& kind, const std::string& name,
                               std::map<std::string, std::string> keys, const std::string& file = "job.ini");

// Declarations of the other section kinds ([job], [slurm], [cohort.*], the site configuration),
// keyed by section prefix.
class SectionRegistry {
public:
    static SectionRegistry& instance();
    void add(SectionDecl declaration);
    const SectionDecl* find(const std::string& prefix) const { return sections_.find(prefix); }
    std::vector<std::string> names() const { return sections_.names(); }

private:
    NamedRegistry<SectionDecl> sections_;
};

struct SectionRegistrar {
    explicit SectionRegistrar(SectionDecl declaration) { SectionRegistry::instance().add(std::move(declaration)); }
};

#define KOHORT_REGISTER_SECTION(declaration) \
    static const ::kohort::SectionRegistrar KOHORT_CONCAT(kohort_section_, __LINE__){declaration}

// Formats a double for CSV/JSON text with round-trip precision (%.17g); NaN as "NA".
std::string format_number(double v);
// JSON number, or null for NaN/inf (JSON has no NaN).
nlohmann::json json_number(double v);
// JSON array of json_number(x) for each x.
nlohmann::json json_numbers(const std::vector<double>& v);

}  // namespace kohort
