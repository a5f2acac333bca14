#include "io/import.hpp"

#include <fcntl.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <sstream>

#include "core/error.hpp"
#include "core/omp_exceptions.hpp"
#include "io/column_builder.hpp"
#include "io/cpr.hpp"
#include "io/csv_reader.hpp"
#include "io/project_key.hpp"
#include "io/pseudonym.hpp"
#include "io/schema.hpp"
#include "store/store.hpp"

namespace kohort::io {

namespace fs = std::filesystem;

namespace {

std::string quote_char(char c) {
    if (c == '\t') return "tab";
    return std::string("'") + c + "'";
}

// The pid column from the CPR column: validate every value, hash, wipe the CPR bytes, check for
// collisions. Error messages name rows and columns, never CPR digits.
Column pseudonymise_column(CsvData& csv, std::size_t j, const ProjectKey& key) {
    const auto& values = csv.columns[j];
    const std::size_t n = values.size();
    const std::string& name = csv.header[j];
    Column pid("pid", ColumnType::Int64);
    pid.i64.resize(n);
    std::vector<std::uint64_t> numbers(n);

    // Each thread hashes a block of rows with its own keyed context. The first bad row (lowest
    // index) is reported, whatever the thread count.
    std::size_t first_bad = SIZE_MAX;
    CprCheck first_bad_kind = CprCheck::ok;
    bool first_bad_missing = false;
    OmpExceptions errors;
#pragma omp parallel
    {
        std::size_t my_bad = SIZE_MAX;
        CprCheck my_kind = CprCheck::ok;
        bool my_missing = false;
        // Every thread must reach the worksharing loop, so failures are recorded, not thrown, inside.
        std::unique_ptr<Pseudonymiser> ps;
        errors.run([&] { ps = std::make_unique<Pseudonymiser>(key); });
        std::array<char, 10> canonical{};
#pragma omp for schedule(static)
        for (std::size_t i = 0; i < n; ++i) {
            if (!ps || errors.failed()) continue;
            const bool missing = values[i].empty() || values[i] == "NA";
            const CprCheck check = missing ? CprCheck::bad_shape : check_cpr(values[i], canonical);
            if (check != CprCheck::ok) {
                if (i < my_bad) {
                    my_bad = i;
                    my_kind = check;
                    my_missing = missing;
                }
                continue;
            }
            errors.run([&] { pid.i64[i] = ps->pid(canonical); });
            numbers[i] = cpr_as_number(canonical);
        }
        canonical.fill(0);
#pragma omp critical(kohort_import_pseudonymise)
        {
            if (my_bad < first_bad) {
                first_bad = my_bad;
                first_bad_kind = my_kind;
                first_bad_missing = my_missing;
            }
        }
    }
    csv.cleanse_column(j);
    errors.rethrow();
    if (first_bad != SIZE_MAX) {
        std::fill(numbers.begin(), numbers.end(), 0);
        std::string why = first_bad_missing ? "a missing CPR number; every row needs one"
                          : first_bad_kind == CprCheck::impossible_date
                              ? "not a valid CPR number: its date of birth does not exist (expected DDMMYY-SSSS "
                                "or DDMMYYSSSS with a real day and month)"
                              : "not a valid CPR number (expected DDMMYY-SSSS or DDMMYYSSSS)";
        throw InputError(csv.path, csv.row_line[first_bad], static_cast<std::int64_t>(j + 1),
                         "column '" + name + "': " + why);
    }
    const auto collision = find_pid_collision(pid.i64, numbers);
    std::fill(numbers.begin(), numbers.end(), 0);
    if (collision)
        throw InputError(csv.path, csv.row_line[collision->row_b], static_cast<std::int64_t>(j + 1),
                         "column '" + name + "': this CPR number and the different one on line " +
                             std::to_string(csv.row_line[collision->row_a]) +
                             " map to the same pid under this key; kohort refuses to merge two persons. "
                             "Expected distinct pids for distinct CPR numbers (a 63-bit collision is "
                             "extremely unlikely: check the key file, or pseudonymise with a new key)");
    return pid;
}

void check_pid_column(const CsvData& csv, std::size_t j, const Column& c) {
    const std::int64_t col = static_cast<std::int64_t>(j + 1);
    if (c.type != ColumnType::Int64)
        throw InputError(csv.path, 1, col,
                         "column 'pid' is the person key and must hold int64 values, but it was read as " +
                             std::string(to_string(c.type)) +
                             "; expected non-negative whole numbers (or use --pseudonymise on a CPR column)");
    for (std::size_t i = 0; i < c.i64.size(); ++i)
        if (c.i64[i] == kMissingInt64 || c.i64[i] < 0)
            throw InputError(csv.path, csv.row_line[i], col,
                             std::string("column 'pid': found ") + (c.i64[i] < 0 && c.i64[i] != kMissingInt64
                                                                        ? "a negative number"
                                                                        : "a missing value") +
                                 "; expected a non-negative person key on every row");
}

}  // namespace

void validate_import_options(const ImportOptions& o) {
    if (o.csv_path.empty()) throw UsageError("kohort import: --csv FILE is required");
    if (o.table_name.empty()) throw UsageError("kohort import: --table NAME is required");
    if (o.store_path.empty()) throw UsageError("kohort import: --store STORE.h5 is required");
    for (char ch : o.table_name)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.'))
            throw UsageError("table name '" + o.table_name +
                             "' is not allowed; expected letters, digits, '_', '-' or '.'");
    if (o.table_name.front() == '.') throw UsageError("table name '" + o.table_name + "' must not start with '.'");
    if (o.decimal != '.' && o.decimal != ',')
        throw UsageError(std::string("--decimal '") + o.decimal + "' is not supported; expected '.' or ','");
    if (o.decimal == ',' && o.delimiter == ',')
        throw UsageError("--decimal , needs another delimiter than ','; use --delimiter ';' (the Danish default)");
    if (o.pseudonymise_column && !o.key_file)
        throw UsageError("--pseudonymise " + *o.pseudonymise_column + " needs --key-file KEY (make one with kohort keygen)");
    if (o.key_file && !o.pseudonymise_column)
        throw UsageError("--key-file is only used with --pseudonymise COLUMN");
    if (o.pseudonymise_column && o.pseudonymise_column->empty())
        throw UsageError("--pseudonymise needs a column name");
}

Table build_import_table(const ImportOptions& o, ImportReport* report) {
    validate_import_options(o);
    // The key first: a governance refusal should not wait for a large file to be parsed.
    std::optional<ProjectKey> key;
    if (o.pseudonymise_column) key.emplace(read_project_key(*o.key_file));
    std::optional<Schema> schema;
    if (o.schema_path) schema = read_schema(*o.schema_path);

    CsvData csv = read_csv(o.csv_path, CsvOptions{o.delimiter});
    if (o.decimal == ',' && csv.delimiter == ',')
        throw InputError(o.csv_path, 1, 0,
                         "the file is ','-delimited, so ',' cannot also be the decimal separator; expected "
                         "a ';' or tab delimiter with --decimal ,");
    const std::size_t ncols = csv.header.size();

    std::optional<std::size_t> cpr_col;
    if (o.pseudonymise_column) {
        auto it = std::find(csv.header.begin(), csv.header.end(), *o.pseudonymise_column);
        if (it == csv.header.end()) {
            std::string have;
            for (const auto& h : csv.header) have += (have.empty() ? "" : ", ") + h;
            throw InputError(o.csv_path, 1, 0,
                             "no column '" + *o.pseudonymise_column + "' to pseudonymise; the header has: " + have);
        }
        cpr_col = static_cast<std::size_t>(it - csv.header.begin());
        for (std::size_t j = 0; j < ncols; ++j)
            if (j != *cpr_col && csv.header[j] == "pid")
                throw InputError(o.csv_path, 1, static_cast<std::int64_t>(j + 1),
                                 "the file already has a column 'pid', and --pseudonymise would make a second "
                                 "one; expected no 'pid' column besides the CPR column");
    }
    std::vector<std::optional<ColumnType>> forced(ncols);
    if (schema) {
        for (const auto& e : schema->entries) {
            auto it = std::find(csv.header.begin(), csv.header.end(), e.column);
            if (it == csv.header.end())
                throw InputError(schema->path, e.line, 1,
                                 "column '" + e.column + "' is not in the header of " + o.csv_path);
            const auto j = static_cast<std::size_t>(it - csv.header.begin());
            if (cpr_col && j == *cpr_col)
                throw InputError(schema->path, e.line, 1,
                                 "column '" + e.column + "' is pseudonymised into an int64 'pid'; expected no "
                                 "type for it in the schema");
            forced[j] = e.type;
        }
    }

    // Columns are independent: build them in parallel, then report the error nearest the top of the file.
    std::vector<BuiltColumn> built(ncols);
    OmpExceptions failures;  // the leftmost failing column's, whatever the thread count
#pragma omp parallel for schedule(dynamic, 1)
    for (std::size_t j = 0; j < ncols; ++j) {
        if (cpr_col && j == *cpr_col) continue;
        failures.run_at(j, [&] { built[j] = build_column(csv.header[j], csv.columns[j], forced[j], o.decimal); });
    }
    failures.rethrow();
    std::optional<std::size_t> bad;
    for (std::size_t j = 0; j < ncols; ++j)
        if (built[j].error && (!bad || built[j].error->row < built[*bad].error->row)) bad = j;
    if (bad) {
        const ValueError& e = *built[*bad].error;
        throw InputError(o.csv_path, csv.row_line[e.row], static_cast<std::int64_t>(*bad + 1), e.message);
    }

    Table table;
    table.name = o.table_name;
    if (cpr_col) built[*cpr_col].column = pseudonymise_column(csv, *cpr_col, *key);
    for (std::size_t j = 0; j < ncols; ++j) {
        Column& c = built[j].column;
        if (c.name == "pid") check_pid_column(csv, j, c);
        if (report) {
            ImportedColumn r;
            r.name = c.name;
            r.type = c.type;
            r.missing = static_cast<std::int64_t>(c.count_missing());
            r.levels = static_cast<std::int64_t>(c.dictionary.size());
            r.from_schema = forced[j].has_value();
            r.pseudonymised = cpr_col && j == *cpr_col;
            if (built[j].broken_at_row)
                r.note = "read as categorical: values fit " + built[j].broken_type + " until line " +
                         std::to_string(csv.row_line[*built[j].broken_at_row]) +
                         " (use --schema to force a type)";
            report->columns.push_back(std::move(r));
        }
        table.columns.push_back(std::move(c));
    }
    if (report) {
        report->rows = static_cast<std::int64_t>(csv.rows());
        report->delimiter = csv.delimiter;
        report->bytes = static_cast<std::int64_t>(csv.bytes);
    }
    return table;
}

void check_table_slot(const std::string& store_path, const std::string& table_name, bool replace) {
    std::error_code ec;
    const auto st = fs::status(store_path, ec);
    if (ec || !fs::exists(st)) return;  // a new store
    if (!fs::is_regular_file(st)) throw UsageError(store_path + ": exists but is not a regular file; expected a store");
    if (replace) return;
    Store store = Store::open(store_path, nullptr, false);
    if (store.has_table(table_name))
        throw UsageError("store " + store_path + " already has a table '" + table_name +
                         "'; pass --replace to replace it, or choose another --table");
}

void write_table_atomically(const std::string& store_path, const Table& table, bool replace) {
    check_table_slot(store_path, table.name, replace);
    update_store_atomically(store_path, [&](Store& store) {
        store.write_all(table);
        const std::int64_t rows = store.info(table.name).rows;
        if (rows != static_cast<std::int64_t>(table.rows()))
            throw InternalError("store wrote " + std::to_string(rows) + " rows of table '" + table.name +
                                "' but import had " + std::to_string(table.rows()));
    });
}

void update_store_atomically(const std::string& store_path, const std::function<void(Store&)>& write) {
    const bool exists = fs::exists(store_path);
    const std::string tmp = store_path + ".tmp-" + std::to_string(::getpid());
    std::error_code ec;
    fs::remove(tmp, ec);
    try {
        std::optional<Store> store;
        if (exists) {
            if (!fs::copy_file(store_path, tmp, fs::copy_options::overwrite_existing, ec) || ec)
                throw UsageError("cannot copy " + store_path + " to " + tmp + ": " + ec.message());
            store.emplace(Store::open(tmp, nullptr, true));
        } else {
            store.emplace(Store::create(tmp, nullptr));
        }
        write(*store);
        store->close();
        // Durable before it becomes visible: fsync the file, rename, fsync the directory.
        const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::fsync(fd) != 0) {
            const int err = errno;
            if (fd >= 0) ::close(fd);
            throw UsageError("cannot sync " + tmp + ": " + std::strerror(err));
        }
        ::close(fd);
        fs::rename(tmp, store_path);
        fs::path dir = fs::path(store_path).parent_path();
        if (dir.empty()) dir = ".";
        const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            ::fsync(dfd);
            ::close(dfd);
        }
    } catch (const fs::filesystem_error& e) {
        fs::remove(tmp, ec);
        throw UsageError(std::string("cannot write the store: ") + e.what());
    } catch (...) {
        fs::remove(tmp, ec);
        throw;
    }
}

ImportReport run_import(const ImportOptions& options) {
    validate_import_options(options);
    check_table_slot(options.store_path, options.table_name, options.replace);  // fail before parsing
    ImportReport report;
    Table table = build_import_table(options, &report);
    write_table_atomically(options.store_path, table, options.replace);
    return report;
}

std::string format_import_report(const ImportOptions& o, const ImportReport& r) {
    std::ostringstream s;
    s << "kohort import: " << r.rows << " rows, " << r.columns.size() << " columns from " << o.csv_path
      << " (delimiter " << quote_char(r.delimiter) << ", decimal " << quote_char(o.decimal) << ")\n";
    std::size_t width = 4;
    for (const auto& c : r.columns) width = std::max(width, c.name.size());
    for (const auto& c : r.columns) {
        s << "  " << c.name << std::string(width - c.name.size() + 2, ' ') << to_string(c.type)
          << std::string(13 - to_string(c.type).size(), ' ') << c.missing << " missing";
        if (c.type == ColumnType::Categorical) s << ", " << c.levels << " levels";
        if (c.from_schema) s << " (type from schema)";
        if (c.pseudonymised) s << " (pseudonymised from column '" << *o.pseudonymise_column << "')";
        if (!c.note.empty()) s << "\n" << std::string(width + 4, ' ') << "note: " << c.note;
        s << "\n";
    }
    s << "wrote table '" << o.table_name << "' to " << o.store_path << "\n";
    return s.str();
}

}  // namespace kohort::io
