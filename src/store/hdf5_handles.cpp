#include "store/hdf5_handles.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

namespace kohort::h5 {

namespace {

// Collects the innermost message of the current thread's HDF5 error stack, then clears it.
// The innermost entry names the real cause ("file not found", "unable to lock file", ...).
std::string take_error_stack_detail() {
    std::string detail;
    auto walker = [](unsigned n, const H5E_error2_t* err, void* data) -> herr_t {
        auto* out = static_cast<std::string*>(data);
        if (err && err->desc && *err->desc) {
            // Walking downward, the last entry seen is the innermost one.
            *out = err->desc;
            if (err->func_name) *out += std::string(" (in ") + err->func_name + ")";
        }
        return 0;
    };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walker, &detail);
    H5Eclear2(H5E_DEFAULT);
    if (detail.empty()) detail = "no detail from the HDF5 error stack";
    return detail;
}

std::string join_path(const std::string& parent, const std::string& name) {
    if (name.empty()) return parent;
    if (name.front() == '/') return name;
    if (parent.empty() || parent == "/") return "/" + name;
    return parent + "/" + name;
}

// An H5Aiterate2 / H5Literate callback (Info: H5A_info_t or H5L_info_t) that appends each name
// to the std::vector<std::string> passed as its data.
template <typename Info>
herr_t append_name(hid_t, const char* name, const Info*, void* names) {
    static_cast<std::vector<std::string>*>(names)->emplace_back(name);
    return 0;
}

}  // namespace

Hdf5Error::Hdf5Error(std::string file, std::string object, std::string operation, std::string detail)
    : InternalError("HDF5 error: " + operation + " failed on '" + object + "' in '" + file + "': " + detail),
      file_(std::move(file)),
      object_(std::move(object)),
      operation_(std::move(operation)) {}

void silence_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

hid_t check_id(hid_t id, const Where& where, const char* operation) {
    if (id < 0) throw Hdf5Error(where.file, where.object, operation, take_error_stack_detail());
    return id;
}

void check(herr_t status, const Where& where, const char* operation) {
    if (status < 0) throw Hdf5Error(where.file, where.object, operation, take_error_stack_detail());
}

bool check_tri(htri_t value, const Where& where, const char* operation) {
    if (value < 0) throw Hdf5Error(where.file, where.object, operation, take_error_stack_detail());
    return value > 0;
}

// ---- property lists -------------------------------------------------------------------------
PropList PropList::create(hid_t cls, const Where& where) {
    PropList p;
    p.h_ = Handle<H5Pclose>(check_id(H5Pcreate(cls), where, "H5Pcreate"));
    return p;
}

// ---- datatypes ------------------------------------------------------------------------------
Datatype Datatype::copy_of(hid_t predefined, const Where& where) {
    return Datatype(check_id(H5Tcopy(predefined), where, "H5Tcopy"));
}

Datatype Datatype::utf8_vlen_string(const Where& where) {
    Datatype t = copy_of(H5T_C_S1, where);
    check(H5Tset_size(t.id(), H5T_VARIABLE), where, "H5Tset_size(variable)");
    check(H5Tset_cset(t.id(), H5T_CSET_UTF8), where, "H5Tset_cset(UTF-8)");
    return t;
}

Datatype Datatype::utf8_fixed_string(std::size_t bytes, const Where& where) {
    Datatype t = copy_of(H5T_C_S1, where);
    // Null-terminated with room for the terminator: h5dump then stops at the end of each label
    // instead of printing the padding, and every reader finds the same end.
    check(H5Tset_size(t.id(), bytes + 1), where, "H5Tset_size");
    check(H5Tset_cset(t.id(), H5T_CSET_UTF8), where, "H5Tset_cset(UTF-8)");
    check(H5Tset_strpad(t.id(), H5T_STR_NULLTERM), where, "H5Tset_strpad");
    return t;
}

Datatype Datatype::of_object(hid_t object, const Where& where) {
    const H5I_type_t kind = H5Iget_type(object);
    const hid_t t = kind == H5I_ATTR ? H5Aget_type(object) : H5Dget_type(object);
    return Datatype(check_id(t, where, "get datatype"));
}

H5T_class_t Datatype::type_class(const Where& where) const {
    const H5T_class_t c = H5Tget_class(id());
    if (c == H5T_NO_CLASS) check(-1, where, "H5Tget_class");
    return c;
}

std::size_t Datatype::size(const Where& where) const {
    const std::size_t s = H5Tget_size(id());
    if (s == 0) check(-1, where, "H5Tget_size");
    return s;
}

bool Datatype::is_variable_string(const Where& where) const {
    return check_tri(H5Tis_variable_str(id()), where, "H5Tis_variable_str");
}

// ---- dataspaces -----------------------------------------------------------------------------
Dataspace Dataspace::scalar(const Where& where) {
    return Dataspace(check_id(H5Screate(H5S_SCALAR), where, "H5Screate(scalar)"));
}

Dataspace Dataspace::simple(std::uint64_t n, const Where& where) {
    const hsize_t dims[1] = {static_cast<hsize_t>(n)};
    return Dataspace(check_id(H5Screate_simple(1, dims, nullptr), where, "H5Screate_simple"));
}

Dataspace Dataspace::of_dataset(hid_t dataset, const Where& where) {
    return Dataspace(check_id(H5Dget_space(dataset), where, "H5Dget_space"));
}

Dataspace Dataspace::of_attribute(hid_t attribute, const Where& where) {
    return Dataspace(check_id(H5Aget_space(attribute), where, "H5Aget_space"));
}

std::uint64_t Dataspace::elements(const Where& where) const {
    const hssize_t n = H5Sget_simple_extent_npoints(id());
    if (n < 0) check(-1, where, "H5Sget_simple_extent_npoints");
    return static_cast<std::uint64_t>(n);
}

void Dataspace::select_range(std::uint64_t start, std::uint64_t count, const Where& where) {
    if (count == 0) {
        select_none(where);
        return;
    }
    const hsize_t s[1] = {static_cast<hsize_t>(start)};
    const hsize_t c[1] = {static_cast<hsize_t>(count)};
    check(H5Sselect_hyperslab(id(), H5S_SELECT_SET, s, nullptr, c, nullptr), where, "H5Sselect_hyperslab");
}

void Dataspace::select_none(const Where& where) { check(H5Sselect_none(id()), where, "H5Sselect_none"); }

// ---- attributes -----------------------------------------------------------------------------
namespace {

using Attr = Handle<H5Aclose>;

std::string attr_where(const Where& w, const std::string& name) { return w.object + "@" + name; }

Attr open_attr(hid_t obj, const Where& w, const std::string& name) {
    return Attr(check_id(H5Aopen(obj, name.c_str(), H5P_DEFAULT), {w.file, attr_where(w, name)}, "H5Aopen"));
}

// Reads a string attribute of any string layout into std::strings (one per element).
std::vector<std::string> read_strings_from(hid_t attr, const Where& w) {
    Datatype ftype = Datatype::of_object(attr, w);
    if (ftype.type_class(w) != H5T_STRING) throw Hdf5Error(w.file, w.object, "read string attribute",
                                                          "the attribute is not of string type");
    Dataspace space = Dataspace::of_attribute(attr, w);
    const std::uint64_t n = space.elements(w);
    std::vector<std::string> out;
    out.reserve(n);
    if (ftype.is_variable_string(w)) {
        Datatype mtype = Datatype::utf8_vlen_string(w);
        std::vector<char*> ptrs(std::max<std::uint64_t>(n, 1), nullptr);
        check(H5Aread(attr, mtype.id(), ptrs.data()), w, "H5Aread");
        for (std::uint64_t i = 0; i < n; ++i) out.emplace_back(ptrs[i] ? ptrs[i] : "");
        check(H5Dvlen_reclaim(mtype.id(), space.id(), H5P_DEFAULT, ptrs.data()), w, "H5Dvlen_reclaim");
    } else {
        const std::size_t len = ftype.size(w);
        std::vector<char> buf(std::max<std::uint64_t>(n, 1) * len, '\0');
        check(H5Aread(attr, ftype.id(), buf.data()), w, "H5Aread");
        for (std::uint64_t i = 0; i < n; ++i) {
            const char* p = buf.data() + i * len;
            out.emplace_back(p, strnlen(p, len));
        }
    }
    return out;
}

}  // namespace

Where Object::child_where(const std::string& name) const { return {where_.file, join_path(where_.object, name)}; }

bool Object::has_attribute(const std::string& name) const {
    return check_tri(H5Aexists(id(), name.c_str()), {where_.file, attr_where(where_, name)}, "H5Aexists");
}

void Object::delete_attribute(const std::string& name) {
    check(H5Adelete(id(), name.c_str()), {where_.file, attr_where(where_, name)}, "H5Adelete");
}

std::vector<std::string> Object::attribute_names() const {
    std::vector<std::string> names;
    hsize_t idx = 0;
    check(H5Aiterate2(id(), H5_INDEX_NAME, H5_ITER_INC, &idx, append_name<H5A_info_t>, &names), where_,
          "H5Aiterate2");
    return names;
}

void Object::write_scalar_attribute(const std::string& name, hid_t file_type, hid_t mem_type, const void* value) {
    const Where w{where_.file, attr_where(where_, name)};
    if (has_attribute(name)) delete_attribute(name);
    Dataspace space = Dataspace::scalar(w);
    Attr a(check_id(H5Acreate2(id(), name.c_str(), file_type, space.id(), H5P_DEFAULT, H5P_DEFAULT), w,
                    "H5Acreate2"));
    check(H5Awrite(a.id(), mem_type, value), w, "H5Awrite");
}

void Object::write_string_attribute(const std::string& name, const std::string& value) {
    const Where w{where_.file, attr_where(where_, name)};
    Datatype t = Datatype::utf8_vlen_string(w);
    const char* p = value.c_str();
    write_scalar_attribute(name, t.id(), t.id(), &p);
}

void Object::write_strings_attribute(const std::string& name, const std::vector<std::string>& values) {
    const Where w{where_.file, attr_where(where_, name)};
    if (has_attribute(name)) delete_attribute(name);
    Datatype t = Datatype::utf8_vlen_string(w);
    Dataspace space = Dataspace::simple(values.size(), w);
    std::vector<const char*> ptrs;
    ptrs.reserve(values.size() + 1);
    for (const auto& v : values) ptrs.push_back(v.c_str());
    ptrs.push_back(nullptr);
    Attr a(check_id(H5Acreate2(id(), name.c_str(), t.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT), w, "H5Acreate2"));
    check(H5Awrite(a.id(), t.id(), ptrs.data()), w, "H5Awrite");
}

void Object::write_int64_attribute(const std::string& name, std::int64_t value) {
    write_scalar_attribute(name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

void Object::write_double_attribute(const std::string& name, double value) {
    write_scalar_attribute(name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void Object::write_int64s_attribute(const std::string& name, const std::vector<std::int64_t>& values) {
    const Where w{where_.file, attr_where(where_, name)};
    if (has_attribute(name)) delete_attribute(name);
    Dataspace space = Dataspace::simple(values.size(), w);
    Attr a(check_id(H5Acreate2(id(), name.c_str(), H5T_STD_I64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT), w,
                    "H5Acreate2"));
    const std::int64_t dummy = 0;
    check(H5Awrite(a.id(), H5T_NATIVE_INT64, values.empty() ? &dummy : values.data()), w, "H5Awrite");
}

std::string Object::read_string_attribute(const std::string& name) const {
    const Where w{where_.file, attr_where(where_, name)};
    Attr a = open_attr(id(), where_, name);
    auto v = read_strings_from(a.id(), w);
    if (v.size() != 1) throw Hdf5Error(w.file, w.object, "read string attribute", "expected a single string");
    return v.front();
}

std::vector<std::string> Object::read_strings_attribute(const std::string& name) const {
    const Where w{where_.file, attr_where(where_, name)};
    Attr a = open_attr(id(), where_, name);
    return read_strings_from(a.id(), w);
}

std::int64_t Object::read_int64_attribute(const std::string& name) const {
    auto v = read_int64s_attribute(name);
    if (v.size() != 1)
        throw Hdf5Error(where_.file, attr_where(where_, name), "read integer attribute", "expected a single value");
    return v.front();
}

std::vector<std::int64_t> Object::read_int64s_attribute(const std::string& name) const {
    const Where w{where_.file, attr_where(where_, name)};
    Attr a = open_attr(id(), where_, name);
    Dataspace space = Dataspace::of_attribute(a.id(), w);
    std::vector<std::int64_t> out(space.elements(w));
    std::int64_t dummy = 0;
    check(H5Aread(a.id(), H5T_NATIVE_INT64, out.empty() ? &dummy : out.data()), w, "H5Aread");
    return out;
}

double Object::read_double_attribute(const std::string& name) const {
    const Where w{where_.file, attr_where(where_, name)};
    Attr a = open_attr(id(), where_, name);
    Dataspace space = Dataspace::of_attribute(a.id(), w);
    if (space.elements(w) != 1) throw Hdf5Error(w.file, w.object, "read numeric attribute", "expected a single value");
    double v = 0;
    check(H5Aread(a.id(), H5T_NATIVE_DOUBLE, &v), w, "H5Aread");
    return v;
}

bool Object::attribute_is_numeric_scalar(const std::string& name) const {
    const Where w{where_.file, attr_where(where_, name)};
    Attr a = open_attr(id(), where_, name);
    Datatype t = Datatype::of_object(a.id(), w);
    const H5T_class_t c = t.type_class(w);
    if (c != H5T_INTEGER && c != H5T_FLOAT) return false;
    return Dataspace::of_attribute(a.id(), w).elements(w) == 1;
}

// ---- datasets -------------------------------------------------------------------------------
Dataspace Dataset::space() const { return Dataspace::of_dataset(id(), where_); }
Datatype Dataset::type() const { return Datatype::of_object(id(), where_); }
std::uint64_t Dataset::elements() const { return space().elements(where_); }
std::uint64_t Dataset::storage_bytes() const { return H5Dget_storage_size(id()); }

void Dataset::write(hid_t mem_type, const Dataspace& mem, const Dataspace& file, const PropList& dxpl,
                    const void* buf) {
    // HDF5 1.10 insists on a non-null buffer even when nothing is selected.
    static const std::int64_t dummy = 0;
    check(H5Dwrite(id(), mem_type, mem.id(), file.id(), dxpl.id(), buf ? buf : &dummy), where_, "H5Dwrite");
}

void Dataset::read(hid_t mem_type, const Dataspace& mem, const Dataspace& file, const PropList& dxpl,
                   void* buf) const {
    std::int64_t dummy = 0;
    check(H5Dread(id(), mem_type, mem.id(), file.id(), dxpl.id(), buf ? buf : &dummy), where_, "H5Dread");
}

std::vector<std::string> Dataset::read_strings(const PropList& dxpl) const {
    Datatype ftype = type();
    if (ftype.type_class(where_) != H5T_STRING)
        throw Hdf5Error(where_.file, where_.object, "read strings", "the dataset is not of string type");
    Dataspace fspace = space();
    const std::uint64_t n = fspace.elements(where_);
    std::vector<std::string> out;
    out.reserve(n);
    if (n == 0) return out;
    if (ftype.is_variable_string(where_)) {
        Datatype mtype = Datatype::utf8_vlen_string(where_);
        std::vector<char*> ptrs(n, nullptr);
        check(H5Dread(id(), mtype.id(), H5S_ALL, H5S_ALL, dxpl.id(), ptrs.data()), where_, "H5Dread");
        for (auto* p : ptrs) out.emplace_back(p ? p : "");
        check(H5Dvlen_reclaim(mtype.id(), fspace.id(), H5P_DEFAULT, ptrs.data()), where_, "H5Dvlen_reclaim");
    } else {
        const std::size_t len = ftype.size(where_);
        std::vector<char> buf(n * len, '\0');
        check(H5Dread(id(), ftype.id(), H5S_ALL, H5S_ALL, dxpl.id(), buf.data()), where_, "H5Dread");
        for (std::uint64_t i = 0; i < n; ++i) {
            const char* p = buf.data() + i * len;
            out.emplace_back(p, strnlen(p, len));
        }
    }
    return out;
}

// ---- groups ---------------------------------------------------------------------------------
bool Group::has_link(const std::string& name) const {
    return check_tri(H5Lexists(id(), name.c_str(), H5P_DEFAULT), child_where(name), "H5Lexists");
}

bool Group::has_path(const std::string& path) const {
    // H5Lexists fails (rather than answering false) when an intermediate step is missing, so walk it.
    std::string prefix = path.empty() || path.front() != '/' ? "" : "/";
    std::size_t pos = prefix.size();
    while (pos <= path.size()) {
        std::size_t next = path.find('/', pos);
        if (next == std::string::npos) next = path.size();
        if (next > pos) {
            prefix += path.substr(pos, next - pos);
            if (!check_tri(H5Lexists(id(), prefix.c_str(), H5P_DEFAULT), child_where(prefix), "H5Lexists"))
                return false;
            prefix += "/";
        }
        pos = next + 1;
    }
    return true;
}

std::vector<std::string> Group::link_names() const {
    std::vector<std::string> names;
    hsize_t idx = 0;
    check(H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, &idx, append_name<H5L_info_t>, &names), where_, "H5Literate");
    std::sort(names.begin(), names.end());
    return names;
}

Group Group::open_group(const std::string& name) const {
    const Where w = child_where(name);
    return Group(check_id(H5Gopen2(id(), name.c_str(), H5P_DEFAULT), w, "H5Gopen2"), w);
}

Group Group::create_group(const std::string& name, const PropList& gcpl) {
    const Where w = child_where(name);
    return Group(check_id(H5Gcreate2(id(), name.c_str(), H5P_DEFAULT, gcpl.id(), H5P_DEFAULT), w, "H5Gcreate2"), w);
}

Group Group::require_group(const std::string& path) {
    if (has_path(path)) return open_group(path);
    const Where w = child_where(path);
    PropList lcpl = PropList::create(H5P_LINK_CREATE, w);
    check(H5Pset_create_intermediate_group(lcpl.id(), 1), w, "H5Pset_create_intermediate_group");
    return Group(check_id(H5Gcreate2(id(), path.c_str(), lcpl.id(), H5P_DEFAULT, H5P_DEFAULT), w, "H5Gcreate2"), w);
}

Dataset Group::open_dataset(const std::string& name) const {
    const Where w = child_where(name);
    return Dataset(check_id(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), w, "H5Dopen2"), w);
}

Dataset Group::create_dataset(const std::string& name, const Datatype& type, const Dataspace& space,
                              const PropList& dcpl) {
    const Where w = child_where(name);
    return Dataset(check_id(H5Dcreate2(id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
                            w, "H5Dcreate2"),
                   w);
}

void Group::delete_link(const std::string& name) {
    check(H5Ldelete(id(), name.c_str(), H5P_DEFAULT), child_where(name), "H5Ldelete");
}

void Group::move_link(const std::string& from, const Group& to_group, const std::string& to) {
    check(H5Lmove(id(), from.c_str(), to_group.id(), to.c_str(), H5P_DEFAULT, H5P_DEFAULT), child_where(from),
          ("H5Lmove to '" + join_path(to_group.where().object, to) + "'").c_str());
}

// ---- files ----------------------------------------------------------------------------------
File File::open(const std::string& path, bool writable, const PropList& fapl) {
    silence_hdf5_errors();
    const hid_t id = H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl.id());
    return File(check_id(id, {path, "/"}, writable ? "H5Fopen(read-write)" : "H5Fopen(read-only)"), path);
}

File File::create(const std::string& path, const PropList& fapl) {
    silence_hdf5_errors();
    const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id());
    return File(check_id(id, {path, "/"}, "H5Fcreate"), path);
}

Group File::root() const {
    const Where w{path_, "/"};
    return Group(check_id(H5Gopen2(id(), "/", H5P_DEFAULT), w, "H5Gopen2"), w);
}

void File::flush() { check(H5Fflush(id(), H5F_SCOPE_GLOBAL), {path_, "/"}, "H5Fflush"); }

void File::close() { h_.close({path_, "/"}, "H5Fclose"); }

}  // namespace kohort::h5
