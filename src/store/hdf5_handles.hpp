// Small RAII handles over the HDF5 C API (in the spirit of HighFive, written for kohort).
//
// Why our own: the store needs only a handful of HDF5 calls, but every one of them must be
// checked and a failure must say which file, which object and which operation failed. Each
// handle therefore carries its file path and object path, and every call goes through check(),
// which turns a negative HDF5 return into an Hdf5Error (an InternalError, exit code 1) holding
// that context plus the innermost message of HDF5's own error stack. HDF5's automatic printing
// of its error stack to stderr is switched off (silence_hdf5_errors()).
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace kohort::h5 {

// An HDF5 call failed. what() reads "HDF5 error: OPERATION failed on OBJECT in FILE: DETAIL".
class Hdf5Error : public InternalError {
public:
    Hdf5Error(std::string file, std::string object, std::string operation, std::string detail);
    const std::string& file() const noexcept { return file_; }
    const std::string& object() const noexcept { return object_; }
    const std::string& operation() const noexcept { return operation_; }

private:
    std::string file_, object_, operation_;
};

// Where a handle lives, for error messages.
struct Where {
    std::string file;
    std::string object;  // absolute object path inside the file, "/" for the root
};

// Turns off HDF5's default stderr error printing (idempotent; per thread in threadsafe builds).
void silence_hdf5_errors();

// Throw Hdf5Error when an HDF5 call returned a negative id/status.
hid_t check_id(hid_t id, const Where& where, const char* operation);
void check(herr_t status, const Where& where, const char* operation);
// For H5*exists-style calls: >0 true, 0 false, <0 throws.
bool check_tri(htri_t value, const Where& where, const char* operation);

// Owns one hid_t and closes it with Close. Move-only.
template <herr_t (*Close)(hid_t)>
class Handle {
public:
    Handle() = default;
    explicit Handle(hid_t id) : id_(id) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = std::exchange(o.id_, H5I_INVALID_HID);
        }
        return *this;
    }
    ~Handle() { reset(); }
    hid_t id() const noexcept { return id_; }
    bool valid() const noexcept { return id_ >= 0; }
    // Destructors cannot throw; a failed close during unwinding is ignored on purpose.
    void reset() noexcept {
        if (id_ >= 0) Close(id_);
        id_ = H5I_INVALID_HID;
    }
    // Gives up ownership without closing (see File::abandon).
    void release() noexcept { id_ = H5I_INVALID_HID; }
    // Checked close, for the places where a failed close means lost data (files).
    void close(const Where& where, const char* operation) {
        if (id_ < 0) return;
        const hid_t id = std::exchange(id_, H5I_INVALID_HID);
        check(Close(id), where, operation);
    }

private:
    hid_t id_ = H5I_INVALID_HID;
};

// ---- property lists -------------------------------------------------------------------------
class PropList {
public:
    static PropList create(hid_t cls, const Where& where);
    static PropList default_list() { return PropList(); }  // H5P_DEFAULT
    hid_t id() const noexcept { return h_.valid() ? h_.id() : H5P_DEFAULT; }

private:
    Handle<H5Pclose> h_;
};

// ---- datatypes ------------------------------------------------------------------------------
class Datatype {
public:
    // Copies a predefined type (H5T_STD_I64LE, H5T_NATIVE_DOUBLE, ...) so it can be owned.
    static Datatype copy_of(hid_t predefined, const Where& where);
    static Datatype utf8_vlen_string(const Where& where);
    // Fixed-length, null-terminated UTF-8 holding strings of up to `bytes` bytes.
    static Datatype utf8_fixed_string(std::size_t bytes, const Where& where);
    static Datatype of_object(hid_t object, const Where& where);  // H5Dget_type / H5Aget_type
    hid_t id() const noexcept { return h_.id(); }
    H5T_class_t type_class(const Where& where) const;
    std::size_t size(const Where& where) const;
    bool is_variable_string(const Where& where) const;

private:
    explicit Datatype(hid_t id) : h_(id) {}
    Handle<H5Tclose> h_;
};

// ---- dataspaces -----------------------------------------------------------------------------
class Dataspace {
public:
    static Dataspace scalar(const Where& where);
    static Dataspace simple(std::uint64_t n, const Where& where);  // 1-D of n elements
    static Dataspace of_dataset(hid_t dataset, const Where& where);
    static Dataspace of_attribute(hid_t attribute, const Where& where);
    hid_t id() const noexcept { return h_.id(); }
    std::uint64_t elements(const Where& where) const;  // total extent
    // Selects the 1-D range [start, start+count); count 0 selects nothing.
    void select_range(std::uint64_t start, std::uint64_t count, const Where& where);
    void select_none(const Where& where);

private:
    explicit Dataspace(hid_t id) : h_(id) {}
    Handle<H5Sclose> h_;
};

class Dataset;
class Group;

// ---- attributes and the objects that carry them ---------------------------------------------
// Common base of groups and datasets: an open object with a path, carrying attributes.
class Object {
public:
    hid_t id() const noexcept { return h_.id(); }
    const Where& where() const noexcept { return where_; }

    bool has_attribute(const std::string& name) const;
    void delete_attribute(const std::string& name);
    std::vector<std::string> attribute_names() const;

    // Writers replace an attribute of the same name.
    void write_string_attribute(const std::string& name, const std::string& value);
    void write_strings_attribute(const std::string& name, const std::vector<std::string>& values);
    void write_int64_attribute(const std::string& name, std::int64_t value);
    void write_int64s_attribute(const std::string& name, const std::vector<std::int64_t>& values);
    void write_double_attribute(const std::string& name, double value);
    // Scalar attribute of an arbitrary file type, value given in the matching native type.
    void write_scalar_attribute(const std::string& name, hid_t file_type, hid_t mem_type, const void* value);

    // Readers throw Hdf5Error when the attribute is missing; check has_attribute first where optional.
    // String readers accept fixed-length and variable-length strings.
    std::string read_string_attribute(const std::string& name) const;
    std::vector<std::string> read_strings_attribute(const std::string& name) const;
    std::int64_t read_int64_attribute(const std::string& name) const;
    std::vector<std::int64_t> read_int64s_attribute(const std::string& name) const;
    double read_double_attribute(const std::string& name) const;
    // True when the attribute is a single integer or floating-point value.
    bool attribute_is_numeric_scalar(const std::string& name) const;

protected:
    Object() = default;
    Object(hid_t id, Where where) : h_(id), where_(std::move(where)) {}
    Where child_where(const std::string& name) const;
    Handle<H5Oclose> h_;
    Where where_;
};

class Dataset : public Object {
public:
    Dataspace space() const;
    Datatype type() const;
    std::uint64_t elements() const;
    std::uint64_t storage_bytes() const;
    void write(hid_t mem_type, const Dataspace& mem, const Dataspace& file, const PropList& dxpl,
               const void* buf);
    void read(hid_t mem_type, const Dataspace& mem, const Dataspace& file, const PropList& dxpl,
              void* buf) const;
    // Whole fixed- or variable-length string dataset as std::strings (UTF-8 bytes).
    std::vector<std::string> read_strings(const PropList& dxpl) const;

private:
    friend class Group;
    Dataset(hid_t id, Where where) : Object(id, std::move(where)) {}
};

class Group : public Object {
public:
    Group() = default;  // an empty handle
    bool has_link(const std::string& name) const;  // name: a direct child, no '/'
    bool has_path(const std::string& path) const;  // a relative or absolute path, every step checked
    std::vector<std::string> link_names() const;   // direct children, sorted by name
    Group open_group(const std::string& name) const;
    Group create_group(const std::string& name, const PropList& gcpl = PropList::default_list());
    // Opens `path`, creating missing groups along it.
    Group require_group(const std::string& path);
    Dataset open_dataset(const std::string& name) const;
    Dataset create_dataset(const std::string& name, const Datatype& type, const Dataspace& space,
                           const PropList& dcpl);
    void delete_link(const std::string& name);
    // H5Lmove from this group's `from` to `to_group`'s `to`.
    void move_link(const std::string& from, const Group& to_group, const std::string& to);

protected:
    friend class File;
    Group(hid_t id, Where where) : Object(id, std::move(where)) {}
};

// ---- files ----------------------------------------------------------------------------------
class File {
public:
    static File open(const std::string& path, bool writable, const PropList& fapl);
    static File create(const std::string& path, const PropList& fapl);
    File() = default;
    hid_t id() const noexcept { return h_.id(); }
    const std::string& path() const noexcept { return path_; }
    bool valid() const noexcept { return h_.valid(); }
    Group root() const;
    void flush();
    void close();
    // Forgets the file without closing it. Under MPI-IO H5Fclose is collective, so a rank unwinding
    // from an error must not call it while the other ranks wait elsewhere: the job is about to
    // abort, and closing would hang it instead.
    void abandon() noexcept { h_.release(); }

private:
    File(hid_t id, std::string path) : h_(id), path_(std::move(path)) {}
    Handle<H5Fclose> h_;
    std::string path_;
};

}  // namespace kohort::h5
