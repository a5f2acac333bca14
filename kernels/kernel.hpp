// The model-kernel interface. A model kind is a function from (its job section, the loaded local
// tables, the communicator) to a JSON result, a CSV table and optionally an SVG. Kernels follow the
// consume(local rows) / merge(other) / finalize() pattern internally so the same code runs on one
// rank or many; the MPI reduction is the merge.
//
// A kernel registers itself in its own .cpp:
//   KOHORT_REGISTER_MODEL("km", run_km);
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "formula/model_frame.hpp"
#include "jobs/release.hpp"
#include "mpi/comm.hpp"
#include "store/table.hpp"

namespace kohort {

// One [model.NAME] section of a job file.
struct ModelSpec {
    std::string name;                           // NAME
    std::string kind;                           // kind = ...
    std::map<std::string, std::string> options; // every key of the section, including kind/table/formula
    std::string job_file;                       // for messages

    // Value of an option, or `fallback` when absent.
    std::string get(const std::string& key, const std::string& fallback = "") const;
    // Value of a required option; throws UsageError naming the job file, section and key.
    std::string require(const std::string& key) const;
    // "job.ini [model.NAME]" for messages.
    std::string where() const;
};

// A CSV table for OUTPUT/NAME.csv: a header and rows of already-formatted cells.
struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
};

struct ModelContext {
    const Comm& comm;
    const ModelSpec& spec;
    const Table& table;               // this rank's rows of spec.require("table")
    DisclosureLedger& disclosure;
    std::function<void(const std::string&)> log;  // progress lines to job.log (root prints)
    // The same table as `table` when no later model of the job reads it, else null. A kernel may
    // then consume it (see model_frame below), freeing each column once it is in the frame.
    Table* consumable = nullptr;
};

// The kernel's model frame: consumes the table when the runner allows it, else reads it.
inline ModelFrame model_frame(const ModelContext& ctx, const Formula& formula, const FrameOptions& options) {
    if (ctx.consumable) return build_model_frame(formula, std::move(*ctx.consumable), ctx.comm, options);
    return build_model_frame(formula, ctx.table, ctx.comm, options);
}

struct ModelOutput {
    nlohmann::json result;            // becomes results.json models.NAME (must include "kind")
    CsvTable csv;                     // OUTPUT/NAME.csv
    std::optional<std::string> svg;   // OUTPUT/NAME.svg (km, cif)
};

using ModelRunner = std::function<ModelOutput(const ModelContext&)>;

class ModelRegistry {
public:
    static ModelRegistry& instance();
    void add(const std::string& kind, ModelRunner runner);
    const ModelRunner* find(const std::string& kind) const;
    std::vector<std::string> kinds() const;

private:
    std::map<std::string, ModelRunner> runners_;
};

struct ModelRegistrar {
    ModelRegistrar(const std::string& kind, ModelRunner runner) {
        ModelRegistry::instance().add(kind, std::move(runner));
    }
};

#define KOHORT_CONCAT_INNER(a, b) a##b
#define KOHORT_CONCAT(a, b) KOHORT_CONCAT_INNER(a, b)
#define KOHORT_REGISTER_MODEL(kind, fn) \
    static const ::kohort::ModelRegistrar KOHORT_CONCAT(kohort_registrar_, __LINE__){kind, fn}

// Formats a double for CSV/JSON text with round-trip precision (%.17g); NaN as "NA".
std::string format_number(double v);
// JSON number, or null for NaN/inf (JSON has no NaN).
nlohmann::json json_number(double v);

}  // namespace kohort
