// Store lifecycle (open/create/close), table metadata and group attributes.
// Reading rows is in store_read.cpp, writing tables in store_write.cpp; layout in docs/format.md.
#include "store/store.hpp"

#include <chrono>
#include <cstdlib>
#include <exception>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "core/error.hpp"
#include "store/child_probe.hpp"
#include "store/store_checks.hpp"
#include "store/store_impl.hpp"
#include "store/store_layout.hpp"

namespace kohort {

// ---- helpers shared by the store's files ----------------------------------------------------
std::uint64_t fnv1a_bytes(const void* data, std::size_t n, std::uint64_t h) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

std::uint64_t fnv1a(const std::string& s, std::uint64_t h) {
    h = fnv1a_bytes(s.data(), s.size(), h);
    const unsigned char sep = 0x1f;  // so {"ab","c"} and {"a","bc"} differ
    return fnv1a_bytes(&sep, 1, h);
}

void Participants::agree(std::exception_ptr local_error, const std::string& operation) const {
    if (!comm_) {
        if (local_error) std::rethrow_exception(local_error);
        return;
    }
    const std::int64_t failed = comm_->allreduce(std::int64_t{local_error ? 1 : 0}, ReduceOp::max);
    if (local_error) std::rethrow_exception(local_error);
    if (failed) throw InternalError(operation + " was abandoned because it failed on another rank");
}

namespace layout {

namespace {
void validate_link_name(const std::string& what, const std::string& name) {
    if (name.empty()) throw UsageError(what + " name is empty; expected a non-empty name");
    if (name.find('/') != std::string::npos)
        throw UsageError(what + " name '" + name + "' contains '/'; expected a name without '/'");
    if (name == "." || name == "..") throw UsageError(what + " name '" + name + "' is not allowed");
    if (name.find('\0') != std::string::npos) throw UsageError(what + " name contains a NUL character");
}
}  // namespace

void validate_table_name(const std::string& name) { validate_link_name("table", name); }

void validate_column_name(const std::string& table, const std::string& column) {
    validate_link_name("column of table '" + table + "': the", column);
    if (column == kDictionariesGroup)
        throw UsageError("table '" + table + "' has a column named '" + column +
                         "', a name the store reserves for categorical dictionaries; rename the column");
}

}  // namespace layout

// ---- Impl -----------------------------------------------------------------------------------
h5::Group StoreState::tables() const { return file.root().open_group(layout::kTablesGroup); }

h5::Group StoreState::open_table(const std::string& name) const {
    layout::validate_table_name(name);
    h5::Group t = tables();
    if (!t.has_link(name)) {
        std::string have;
        for (const auto& n : t.link_names()) have += (have.empty() ? "" : ", ") + n;
        throw UsageError("store '" + path + "' has no table '" + name + "'; its tables are: " +
                         (have.empty() ? "(none)" : have));
    }
    return t.open_group(name);
}

h5::PropList StoreState::transfer_list() const {
    if (!mpi) return h5::PropList::default_list();
    h5::PropList dxpl = h5::PropList::create(H5P_DATASET_XFER, where());
    h5::check(H5Pset_dxpl_mpio(dxpl.id(), H5FD_MPIO_COLLECTIVE), where(), "H5Pset_dxpl_mpio(collective)");
    return dxpl;
}

void StoreState::require_writable(const char* operation) const {
    if (!writable)
        throw InternalError(std::string(operation) + " on store '" + path +
                            "', which was opened read-only; open it with writable = true");
}

// ---- lifecycle ------------------------------------------------------------------------------
namespace {

h5::PropList file_access(const std::string& path, const Comm* comm) {
    const h5::Where w{path, "/"};
    h5::PropList fapl = h5::PropList::create(H5P_FILE_ACCESS, w);
    // The 1.8 file format: dense attribute storage, so a table's `columns` attribute can hold
    // thousands of names (compact attributes stop at 64 KiB). Readable by HDF5 >= 1.8 and h5py.
    h5::check(H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_V18, H5F_LIBVER_LATEST), w, "H5Pset_libver_bounds");
    if (comm) {
        h5::check(H5Pset_fapl_mpio(fapl.id(), comm->raw(), MPI_INFO_NULL), w, "H5Pset_fapl_mpio");
        // Rank 0 reads metadata and broadcasts it; metadata is written collectively.
        h5::check(H5Pset_all_coll_metadata_ops(fapl.id(), 1), w, "H5Pset_all_coll_metadata_ops");
        h5::check(H5Pset_coll_metadata_write(fapl.id(), 1), w, "H5Pset_coll_metadata_write");
    }
    return fapl;
}

}  // namespace

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() {
    // An exception on one rank ends the job with MPI_Abort in main; a collective H5Fclose here
    // would instead wait forever for ranks that are busy elsewhere.
    if (impl_ && impl_->mpi && std::uncaught_exceptions() > 0) impl_->file.abandon();
}

Store Store::open(const std::string& path, const Comm* comm, bool writable) {
    h5::silence_hdf5_errors();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw UsageError("store file '" + path + "' does not exist; create one with 'kohort synth' or 'kohort import'");
    if (std::filesystem::is_directory(path, ec))
        throw UsageError("store '" + path + "' is a directory; expected an HDF5 file");
    probe_in_child(path, comm);
    return open_in_process(path, comm, writable);
}

namespace {
// KOHORT_STORE_PROBE=0 turns the child-process walk off (docs/admin.md); KOHORT_STORE_PROBE_SECONDS
// bounds it (default 120 s: a metadata walk takes milliseconds, but a parallel file system may stall).
// A value that is set but not understood is refused (exit 2), never read as the default.
bool probe_enabled() {
    const char* v = std::getenv("KOHORT_STORE_PROBE");
    if (!v || *v == '\0' || std::string(v) == "1") return true;
    if (std::string(v) == "0") return false;
    throw UsageError(std::string("environment variable KOHORT_STORE_PROBE = '") + v +
                     "': expected 1 (walk a store's structure in a child process first, the default) or 0 "
                     "(docs/admin.md, 'Damaged stores are walked in a child process first')");
}
std::chrono::milliseconds probe_limit() {
    const char* v = std::getenv("KOHORT_STORE_PROBE_SECONDS");
    if (!v || *v == '\0') return std::chrono::seconds(120);
    char* end = nullptr;
    const double s = std::strtod(v, &end);
    if (end == v || *end != '\0' || !(s > 0 && s < 1e6))
        throw UsageError(std::string("environment variable KOHORT_STORE_PROBE_SECONDS = '") + v +
                         "': expected a number of seconds above 0 and below 1000000 (default 120; docs/admin.md)");
    return std::chrono::milliseconds(static_cast<long>(s * 1000));
}
}  // namespace

void Store::probe_in_child(const std::string& path, const Comm* comm) {
    if (!probe_enabled()) return;
    const auto limit = probe_limit();
    // One process walks the file (rank 0 of comm); every rank learns the verdict, so all refuse
    // together. The waiting ranks sleep between polls rather than spin (Comm::broadcast_polling).
    // The verdict travels as one int: 0 read, 1 hung, 2 + 256 * signal + exit status crashed.
    using Kind = child_probe::Outcome::Kind;
    int verdict = 0;
    if (!comm || comm->is_root()) {
        const child_probe::Outcome o = child_probe::run([&] { walk_structure(path); }, limit);
        if (o.kind == Kind::hung) verdict = 1;
        if (o.kind == Kind::crashed) verdict = 2 + 256 * o.signal + (o.exit_code & 0xff);
    }
    if (comm) comm->broadcast_polling(verdict, 0, 5);
    if (verdict == 0) return;  // read without trouble, or fork was refused: the job reads the file itself
    child_probe::Outcome outcome;
    outcome.kind = verdict == 1 ? Kind::hung : Kind::crashed;
    outcome.signal = (verdict - 2) / 256;
    outcome.exit_code = (verdict - 2) % 256;
    throw BadStoreError(path, "", "",
                        "the HDF5 library " + child_probe::describe(outcome, limit) +
                            " while a separate process read the file's structure, so the file is damaged "
                            "or was not written as a kohort store; this job read nothing from it. Check "
                            "the file with 'h5dump -H', or import the data again (docs/format.md, "
                            "'Damaged and foreign stores')");
}

void Store::walk_structure(const std::string& path) {
    const Store s = open_in_process(path, nullptr, false);
    for (const auto& name : s.table_names()) {
        const TableInfo info = s.info(name);
        if (info.variants < 0) continue;
        // Genotype calls are chunked: walk the chunk index, which a read would consult.
        store_checks::reading(path, name, [&] {
            const h5::Dataset calls = s.impl_->open_table(name).open_dataset(layout::kCallsDataset);
            hsize_t chunks = 0;
            if (H5Dget_num_chunks(calls.id(), H5S_ALL, &chunks) < 0) return;
            for (hsize_t i = 0; i < chunks; ++i) {
                hsize_t offset[2] = {0, 0};
                unsigned filter_mask = 0;
                haddr_t addr = 0;
                hsize_t bytes = 0;
                if (H5Dget_chunk_info(calls.id(), H5S_ALL, i, offset, &filter_mask, &addr, &bytes) < 0) return;
            }
        });
    }
}

Store Store::open_in_process(const std::string& path, const Comm* comm, bool writable) {
    const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
    H5Eclear2(H5E_DEFAULT);
    if (is_hdf5 <= 0)
        throw UsageError("store '" + path + "' is not a readable HDF5 file; expected a kohort store (docs/format.md)");

    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->writable = writable;
    impl->mpi = comm != nullptr;
    impl->mpi_size = comm ? comm->size() : 1;
    store_checks::reading(path, "", [&] {
        impl->file = h5::File::open(path, writable, file_access(path, comm));
        const h5::Group root = impl->file.root();
        if (!root.has_link(layout::kTablesGroup))
            throw UsageError("'" + path + "' is an HDF5 file but not a kohort store: it has no /" +
                             std::string(layout::kTablesGroup) + " group (see docs/format.md)");
        store_checks::check_root(path, root);
    });
    return Store(std::move(impl));
}

Store Store::create(const std::string& path, const Comm* comm) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->writable = true;
    impl->mpi = comm != nullptr;
    impl->mpi_size = comm ? comm->size() : 1;
    impl->file = h5::File::create(path, file_access(path, comm));
    h5::Group root = impl->file.root();
    root.create_group(layout::kTablesGroup);
    root.write_string_attribute(layout::kAttrFormat, layout::kFormatName);
    root.write_int64_attribute(layout::kAttrFormatVersion, layout::kFormatVersion);
    return Store(std::move(impl));
}

const std::string& Store::path() const { return impl_->path; }

void Store::close() {
    if (impl_ && impl_->file.valid()) impl_->file.close();
}

std::int64_t Store::bytes_read() const { return impl_->bytes_read; }

// ---- metadata -------------------------------------------------------------------------------
std::vector<std::string> Store::table_names() const {
    return store_checks::reading(impl_->path, "", [&] { return impl_->tables().link_names(); });
}

bool Store::has_table(const std::string& name) const {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") return false;
    return impl_->tables().has_link(name);
}

TableInfo Store::info(const std::string& name) const {
    return store_checks::reading(impl_->path, name, [&] {
        h5::Group g = impl_->open_table(name);
        const TableMeta meta = store_checks::read_table_meta(impl_->path, name, g);
        TableInfo out;
        out.name = name;
        out.rows = meta.rows;
        out.partitioned_by_pid = meta.by_pid;
        const h5::PropList dxpl = h5::PropList::default_list();
        for (const auto& col : meta.columns) {
            h5::Dataset d = g.open_dataset(col);
            ColumnInfo ci;
            ci.name = col;
            ci.type = store_checks::check_column_dataset(impl_->path, name, d, meta.rows);
            ci.missing = d.read_int64_attribute(layout::kAttrMissingCount);
            if (ci.type == ColumnType::Categorical)
                ci.dictionary_size = static_cast<std::int64_t>(
                    store_checks::read_dictionary(impl_->path, name, col, g, dxpl).size());
            out.bytes += static_cast<std::int64_t>(d.storage_bytes());
            out.columns.push_back(std::move(ci));
        }
        if (g.has_attribute(layout::kAttrTableKind) &&
            g.read_string_attribute(layout::kAttrTableKind) == layout::kKindGenotypes) {
            out.variants = g.read_int64_attribute(layout::kAttrNumVariants);
            out.bytes += static_cast<std::int64_t>(g.open_dataset(layout::kCallsDataset).storage_bytes());
        }
        return out;
    });
}

// ---- attributes -----------------------------------------------------------------------------
namespace {
std::string absolute(const std::string& group) {
    if (group.empty()) return "/";
    return group.front() == '/' ? group : "/" + group;
}
}  // namespace

void Store::set_attributes(const std::string& group, const Attributes& attrs) {
    impl_->require_writable("set_attributes");
    h5::Group g = impl_->file.root().require_group(absolute(group));
    for (const auto& [key, value] : attrs) g.write_double_attribute(key, value);
    impl_->file.flush();
}

Attributes Store::attributes(const std::string& group) const {
    h5::Group root = impl_->file.root();
    const std::string path = absolute(group);
    if (!root.has_path(path)) throw UsageError("store '" + impl_->path + "' has no group '" + path + "'");
    h5::Group g = root.open_group(path);
    Attributes out;
    for (const auto& key : g.attribute_names())
        if (g.attribute_is_numeric_scalar(key)) out[key] = g.read_double_attribute(key);
    return out;
}

void Store::set_string_attribute(const std::string& group, const std::string& key, const std::string& value) {
    impl_->require_writable("set_string_attribute");
    h5::Group g = impl_->file.root().require_group(absolute(group));
    g.write_string_attribute(key, value);
    impl_->file.flush();
}

std::optional<std::string> Store::string_attribute(const std::string& group, const std::string& key) const {
    h5::Group root = impl_->file.root();
    const std::string path = absolute(group);
    if (!root.has_path(path)) return std::nullopt;
    h5::Group g = root.open_group(path);
    if (!g.has_attribute(key)) return std::nullopt;
    return g.read_string_attribute(key);
}

}  // namespace kohort
