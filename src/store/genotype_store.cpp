// Writing and reading genotype tables (layout in genotype_store.hpp and docs/format.md).
//
// Packing across ranks: byte b of a calls row holds samples 4b..4b+3, and belongs to the rank that
// holds sample 4b. A rank whose first sample is not at a multiple of 4 shares its first byte with
// an earlier rank; it sends that partial byte of each variant (one byte per variant, whatever the
// number of samples) to everyone, and the byte's owner ORs it in before writing. Every byte of
// the file is then written by exactly one rank, in one 2-D hyperslab per rank per block.
#include "store/genotype_store.hpp"

#include <algorithm>
#include <exception>
#include <numeric>

#include "core/error.hpp"
#include "store/store_impl.hpp"
#include "store/store_layout.hpp"

namespace kohort {

namespace {

using SpaceHandle = h5::Handle<H5Sclose>;

// A 2-D dataspace [rows, cols] with the hyperslab [r0, r0+nr) x [c0, c0+nc) selected (or nothing).
SpaceHandle space_2d(std::uint64_t rows, std::uint64_t cols, std::uint64_t r0, std::uint64_t nr, std::uint64_t c0,
                     std::uint64_t nc, const h5::Where& w) {
    const hsize_t dims[2] = {rows, cols};
    SpaceHandle s(h5::check_id(H5Screate_simple(2, dims, nullptr), w, "H5Screate_simple"));
    if (nr == 0 || nc == 0) {
        h5::check(H5Sselect_none(s.id()), w, "H5Sselect_none");
    } else {
        const hsize_t start[2] = {r0, c0}, count[2] = {nr, nc};
        h5::check(H5Sselect_hyperslab(s.id(), H5S_SELECT_SET, start, nullptr, count, nullptr), w,
                  "H5Sselect_hyperslab");
    }
    return s;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// Fixed-length UTF-8 strings, written by rank 0 (parallel HDF5 cannot write variable-length data).
void write_string_list(h5::Group& g, const std::string& name, const std::vector<std::string>& values,
                       const h5::PropList& dxpl, int rank) {
    const h5::Where w{g.where().file, g.where().object + "/" + name};
    std::size_t longest = 1;
    for (const auto& v : values) longest = std::max(longest, v.size());
    h5::Datatype type = h5::Datatype::utf8_fixed_string(longest, w);
    h5::Dataspace fspace = h5::Dataspace::simple(values.size(), w);
    h5::PropList dcpl = h5::PropList::create(H5P_DATASET_CREATE, w);
    h5::check(H5Pset_alloc_time(dcpl.id(), H5D_ALLOC_TIME_EARLY), w, "H5Pset_alloc_time");
    h5::Dataset d = g.create_dataset(name, type, fspace, dcpl);
    std::vector<char> buf(std::max<std::size_t>(1, values.size() * (longest + 1)), '\0');
    for (std::size_t i = 0; i < values.size(); ++i)
        std::copy(values[i].begin(), values[i].end(), buf.begin() + static_cast<std::ptrdiff_t>(i * (longest + 1)));
    const std::uint64_t n = rank == 0 ? values.size() : 0;
    fspace.select_range(0, n, w);
    h5::Dataspace mspace = h5::Dataspace::simple(std::max<std::size_t>(1, values.size()), w);
    mspace.select_range(0, n, w);
    d.write(type.id(), mspace, fspace, dxpl, buf.data());
}

// A 1-D int64 dataset: `local` written at `offset` of `total` (collective).
h5::Dataset write_int64_range(h5::Group& g, const std::string& name, const std::vector<std::int64_t>& local,
                              std::int64_t offset, std::int64_t total, const h5::PropList& dxpl) {
    const h5::Where w{g.where().file, g.where().object + "/" + name};
    h5::Datatype type = h5::Datatype::copy_of(H5T_STD_I64LE, w);
    h5::Dataspace fspace = h5::Dataspace::simple(static_cast<std::uint64_t>(total), w);
    h5::PropList dcpl = h5::PropList::create(H5P_DATASET_CREATE, w);
    h5::check(H5Pset_alloc_time(dcpl.id(), H5D_ALLOC_TIME_EARLY), w, "H5Pset_alloc_time");
    h5::check(H5Pset_fill_time(dcpl.id(), H5D_FILL_TIME_NEVER), w, "H5Pset_fill_time");
    h5::Dataset d = g.create_dataset(name, type, fspace, dcpl);
    fspace.select_range(static_cast<std::uint64_t>(offset), local.size(), w);
    h5::Dataspace mspace = h5::Dataspace::simple(std::max<std::size_t>(1, local.size()), w);
    mspace.select_range(0, local.size(), w);
    d.write(H5T_NATIVE_INT64, mspace, fspace, dxpl, local.data());
    return d;
}

void check_local_pids(const std::string& name, const std::vector<std::int64_t>& pids, int rank, int ranks) {
    const std::int64_t lo = first_bucket(rank, ranks), hi = first_bucket(rank + 1, ranks);
    for (std::size_t i = 0; i < pids.size(); ++i) {
        if (pids[i] < 0)
            throw InternalError("genotype table '" + name + "': a negative pid at local sample " + std::to_string(i));
        if (i > 0 && pids[i] <= pids[i - 1])
            throw InternalError("genotype table '" + name + "': samples of rank " + std::to_string(rank) +
                                " are not sorted by pid or repeat one (local sample " + std::to_string(i) + ")");
        const std::int64_t b = pid_bucket(pids[i]);
        if (b < lo || b >= hi)
            throw InternalError("genotype table '" + name + "': local sample " + std::to_string(i) +
                                " lies outside rank " + std::to_string(rank) + "'s pid buckets");
    }
}

}  // namespace

bool is_genotype_table(const Store& store, const std::string& name) {
    if (!store.has_table(name)) return false;
    const h5::Group g = StoreAccess::state(store).open_table(name);
    return g.has_attribute(layout::kAttrTableKind) &&
           g.read_string_attribute(layout::kAttrTableKind) == layout::kKindGenotypes;
}

// ---- writer ---------------------------------------------------------------------------------

struct GenotypeWriter::Impl {
    StoreState* s = nullptr;
    const Comm* comm = nullptr;
    std::string name;
    std::int64_t n_local = 0, offset = 0, total = 0, variants = 0, block = 0;
    std::int64_t width = 0;           // bytes per calls row
    std::int64_t b0 = 0, b1 = 0;      // bytes this rank owns
    h5::Group staging_parent;
    h5::Group group;
    std::vector<std::uint8_t> packed;  // reused across blocks
};

GenotypeWriter::GenotypeWriter(Store& store, const std::string& name, const std::vector<std::int64_t>& local_pids,
                               const std::vector<Variant>& variants, const Comm* comm, std::int64_t block_variants)
    : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    m.s = &StoreAccess::state(store);
    m.comm = comm;
    m.name = name;
    m.s->require_writable("writing a genotype table");
    layout::validate_table_name(name);
    const Participants p(comm);
    std::exception_ptr error;
    try {
        check_local_pids(name, local_pids, p.rank(), p.size());
    } catch (...) {
        error = std::current_exception();
    }
    p.agree(error, "writing genotype table '" + name + "'");

    m.n_local = static_cast<std::int64_t>(local_pids.size());
    m.offset = p.exscan_sum(m.n_local);
    m.total = p.sum(m.n_local);
    m.variants = static_cast<std::int64_t>(variants.size());
    m.block = std::max<std::int64_t>(1, block_variants);
    m.width = ceil_div(m.total, 4);
    m.b0 = ceil_div(m.offset, 4);
    m.b1 = ceil_div(m.offset + m.n_local, 4);
    std::vector<std::int64_t> counts(static_cast<std::size_t>(kBuckets), 0);
    for (const std::int64_t pid : local_pids) ++counts[static_cast<std::size_t>(pid_bucket(pid))];
    p.sum(counts);
    std::vector<std::int64_t> bucket_offsets(counts.size() + 1, 0);
    std::partial_sum(counts.begin(), counts.end(), bucket_offsets.begin() + 1);

    h5::Group root = m.s->file.root();
    m.staging_parent = root.require_group(layout::kStagingGroup);
    if (m.staging_parent.has_link(name)) m.staging_parent.delete_link(name);
    const h5::Where gw{m.s->path, "/" + std::string(layout::kStagingGroup) + "/" + name};
    m.group = m.staging_parent.create_group(name);
    const h5::PropList dxpl = m.s->transfer_list();

    // The pid column, so the table reads like any person table (Store::read, inspect).
    h5::Dataset pid = write_int64_range(m.group, layout::kPidColumn, local_pids, m.offset, m.total, dxpl);
    pid.write_string_attribute(layout::kAttrType, std::string(to_string(ColumnType::Int64)));
    pid.write_scalar_attribute(layout::kAttrMissingValue, H5T_STD_I64LE, H5T_NATIVE_INT64, &kMissingInt64);
    pid.write_int64_attribute(layout::kAttrMissingCount, 0);

    // Calls: chunks of one block of variants by at most 8 MiB, uncompressed (2-bit calls are
    // already dense; deflate gains little on them and would make each rank's read decompress the
    // whole chunk rather than read its own byte range).
    const h5::Where cw{m.s->path, gw.object + "/" + layout::kCallsDataset};
    const hsize_t dims[2] = {static_cast<hsize_t>(m.variants), static_cast<hsize_t>(m.width)};
    SpaceHandle fspace(h5::check_id(H5Screate_simple(2, dims, nullptr), cw, "H5Screate_simple"));
    h5::PropList dcpl = h5::PropList::create(H5P_DATASET_CREATE, cw);
    const std::int64_t chunk_rows = std::max<std::int64_t>(1, std::min(m.block, m.variants));
    const std::int64_t chunk_cols =
        std::max<std::int64_t>(1, std::min(m.width, (std::int64_t{8} << 20) / chunk_rows));
    const hsize_t chunk[2] = {static_cast<hsize_t>(chunk_rows), static_cast<hsize_t>(chunk_cols)};
    h5::check(H5Pset_chunk(dcpl.id(), 2, chunk), cw, "H5Pset_chunk");
    h5::check(H5Pset_alloc_time(dcpl.id(), H5D_ALLOC_TIME_EARLY), cw, "H5Pset_alloc_time");
    h5::check(H5Pset_fill_time(dcpl.id(), H5D_FILL_TIME_NEVER), cw, "H5Pset_fill_time");
    const hid_t created = h5::check_id(
        H5Dcreate2(m.group.id(), layout::kCallsDataset, H5T_STD_U8LE, fspace.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
        cw, "H5Dcreate2");
    h5::check(H5Dclose(created), cw, "H5Dclose");
    h5::Dataset calls = m.group.open_dataset(layout::kCallsDataset);
    calls.write_string_attribute(layout::kAttrCallsEncoding, layout::kCallsEncoding);

    // The variant list.
    h5::Group vg = m.group.create_group(layout::kVariantsGroup);
    std::vector<std::string> chrom, id, a1, a2;
    std::vector<std::int64_t> pos;
    for (const auto& v : variants) {
        chrom.push_back(v.chrom);
        id.push_back(v.id);
        a1.push_back(v.a1);
        a2.push_back(v.a2);
        pos.push_back(v.pos);
    }
    write_string_list(vg, "chrom", chrom, dxpl, p.rank());
    write_string_list(vg, "id", id, dxpl, p.rank());
    write_string_list(vg, "a1", a1, dxpl, p.rank());
    write_string_list(vg, "a2", a2, dxpl, p.rank());
    const std::vector<std::int64_t> no_pos;
    write_int64_range(vg, "pos", p.rank() == 0 ? pos : no_pos, 0, m.variants, dxpl);

    m.group.write_strings_attribute(layout::kAttrColumns, {layout::kPidColumn});
    m.group.write_int64_attribute(layout::kAttrNumRows, m.total);
    m.group.write_string_attribute(layout::kAttrPartitioning, layout::kPartitionPid);
    m.group.write_int64s_attribute(layout::kAttrBucketOffsets, bucket_offsets);
    m.group.write_int64_attribute(layout::kAttrBucketBits, kBucketBits);
    m.group.write_string_attribute(layout::kAttrTableKind, layout::kKindGenotypes);
    m.group.write_int64_attribute(layout::kAttrNumVariants, m.variants);
    m.group.write_int64_attribute(layout::kAttrBlockVariants, m.block);
}

GenotypeWriter::~GenotypeWriter() = default;

std::int64_t GenotypeWriter::block_variants() const { return impl_->block; }

void GenotypeWriter::write(std::int64_t v0, std::int64_t nv, const std::uint8_t* codes) {
    Impl& m = *impl_;
    if (v0 < 0 || nv < 0 || v0 + nv > m.variants)
        throw InternalError("genotype table '" + m.name + "': write of variants [" + std::to_string(v0) + ", " +
                            std::to_string(v0 + nv) + ") outside [0, " + std::to_string(m.variants) + ")");
    const std::int64_t own = m.b1 - m.b0;
    m.packed.assign(static_cast<std::size_t>(std::max<std::int64_t>(1, nv * own)), 0);
    // The byte this rank shares with an earlier one (head), if any.
    const std::int64_t head = (m.offset % 4 != 0 && m.n_local > 0) ? m.offset / 4 : -1;
    std::vector<std::uint8_t> head_bytes(static_cast<std::size_t>(head >= 0 ? nv : 0), 0);
    for (std::int64_t v = 0; v < nv; ++v) {
        const std::uint8_t* row = codes + v * m.n_local;
        std::uint8_t* out = m.packed.data() + v * own;
        for (std::int64_t i = 0; i < m.n_local; ++i) {
            const std::int64_t s = m.offset + i;
            const std::int64_t b = s >> 2;
            const auto bits = static_cast<std::uint8_t>((row[i] & 3) << (2 * (s & 3)));
            if (b >= m.b0) out[b - m.b0] |= bits;
            else head_bytes[static_cast<std::size_t>(v)] |= bits;
        }
    }
    if (m.comm && m.comm->size() > 1) {
        const std::vector<std::int64_t> heads = m.comm->allgatherv(std::vector<std::int64_t>{head});
        const std::vector<std::uint8_t> partial = m.comm->allgatherv(head_bytes);
        std::size_t at = 0;
        for (const std::int64_t h : heads) {
            if (h < 0) continue;
            if (h >= m.b0 && h < m.b1)
                for (std::int64_t v = 0; v < nv; ++v) m.packed[static_cast<std::size_t>(v * own + h - m.b0)] |= partial[at + v];
            at += static_cast<std::size_t>(nv);
        }
    }
    const h5::Where w{m.s->path, m.group.where().object + "/" + layout::kCallsDataset};
    h5::Dataset calls = m.group.open_dataset(layout::kCallsDataset);
    const SpaceHandle fspace = space_2d(m.variants, m.width, v0, nv, m.b0, own, w);
    const SpaceHandle mspace = space_2d(std::max<std::int64_t>(1, nv), std::max<std::int64_t>(1, own), 0, nv, 0, own, w);
    h5::check(H5Dwrite(calls.id(), H5T_NATIVE_UINT8, mspace.id(), fspace.id(), m.s->transfer_list().id(),
                       m.packed.data()),
              w, "H5Dwrite(calls)");
}

void GenotypeWriter::commit() {
    Impl& m = *impl_;
    m.group = h5::Group();
    m.s->file.flush();
    h5::Group tables = m.s->tables();
    if (tables.has_link(m.name)) tables.delete_link(m.name);
    m.staging_parent.move_link(m.name, tables, m.name);
    const bool empty = m.staging_parent.link_names().empty();
    m.staging_parent = h5::Group();
    if (empty) m.s->file.root().delete_link(layout::kStagingGroup);
    m.s->file.flush();
}

// ---- reader ---------------------------------------------------------------------------------

struct GenotypeReader::Impl {
    const StoreState* s = nullptr;
    std::string name;
    h5::Group group;
    std::int64_t total = 0, variants = 0, block = 0, width = 0;
    std::int64_t r0 = 0, r1 = 0;  // this rank's rows
    std::vector<std::int64_t> pids;
    std::vector<Variant> variant_list;
};

GenotypeReader::GenotypeReader(const Store& store, const std::string& name, const Comm& comm)
    : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    m.s = &StoreAccess::state(store);
    m.name = name;
    m.group = m.s->open_table(name);
    if (!m.group.has_attribute(layout::kAttrTableKind) ||
        m.group.read_string_attribute(layout::kAttrTableKind) != layout::kKindGenotypes)
        throw UsageError("table '" + name + "' of store '" + m.s->path +
                         "' is not a genotype table; make one with 'kohort import --plink' or 'kohort synth --genotypes'");
    m.total = m.group.read_int64_attribute(layout::kAttrNumRows);
    m.variants = m.group.read_int64_attribute(layout::kAttrNumVariants);
    m.block = m.group.read_int64_attribute(layout::kAttrBlockVariants);
    m.width = ceil_div(m.total, 4);
    const std::vector<std::int64_t> offsets = m.group.read_int64s_attribute(layout::kAttrBucketOffsets);
    if (static_cast<std::int64_t>(offsets.size()) != kBuckets + 1 || offsets.back() != m.total)
        throw InternalError("genotype table '" + name + "' in '" + m.s->path + "' has damaged pid_bucket_offsets");
    m.r0 = offsets[static_cast<std::size_t>(first_bucket(comm.rank(), comm.size()))];
    m.r1 = offsets[static_cast<std::size_t>(first_bucket(comm.rank() + 1, comm.size()))];

    const h5::PropList dxpl = m.s->transfer_list();
    const h5::Dataset pid = m.group.open_dataset(layout::kPidColumn);
    h5::Dataspace fspace = pid.space();
    fspace.select_range(static_cast<std::uint64_t>(m.r0), static_cast<std::uint64_t>(m.r1 - m.r0), pid.where());
    m.pids.assign(static_cast<std::size_t>(m.r1 - m.r0), 0);
    h5::Dataspace mspace = h5::Dataspace::simple(std::max<std::int64_t>(1, m.r1 - m.r0), pid.where());
    mspace.select_range(0, static_cast<std::uint64_t>(m.r1 - m.r0), pid.where());
    pid.read(H5T_NATIVE_INT64, mspace, fspace, dxpl, m.pids.data());

    // The variant list is metadata every rank needs whole: names, positions and alleles.
    const h5::Group vg = m.group.open_group(layout::kVariantsGroup);
    const auto chrom = vg.open_dataset("chrom").read_strings(dxpl);
    const auto id = vg.open_dataset("id").read_strings(dxpl);
    const auto a1 = vg.open_dataset("a1").read_strings(dxpl);
    const auto a2 = vg.open_dataset("a2").read_strings(dxpl);
    std::vector<std::int64_t> pos(static_cast<std::size_t>(m.variants));
    const h5::Dataset pd = vg.open_dataset("pos");
    if (m.variants > 0) pd.read(H5T_NATIVE_INT64, pd.space(), pd.space(), dxpl, pos.data());
    const auto nvar = static_cast<std::size_t>(m.variants);
    if (chrom.size() != nvar || id.size() != nvar || a1.size() != nvar || a2.size() != nvar)
        throw InternalError("genotype table '" + name + "': the variant list does not have num_variants entries");
    m.variant_list.resize(nvar);
    for (std::size_t v = 0; v < nvar; ++v) m.variant_list[v] = {chrom[v], pos[v], id[v], a1[v], a2[v]};
}

GenotypeReader::~GenotypeReader() = default;
GenotypeReader::GenotypeReader(GenotypeReader&&) noexcept = default;

std::int64_t GenotypeReader::samples_total() const { return impl_->total; }
std::int64_t GenotypeReader::variants() const { return impl_->variants; }
std::int64_t GenotypeReader::block_variants() const { return impl_->block; }
const std::vector<std::int64_t>& GenotypeReader::local_pids() const { return impl_->pids; }
const std::vector<Variant>& GenotypeReader::variant_list() const { return impl_->variant_list; }

void GenotypeReader::read(std::int64_t v0, std::int64_t nv, Block& block) const {
    const Impl& m = *impl_;
    if (v0 < 0 || nv < 0 || v0 + nv > m.variants)
        throw InternalError("genotype table '" + m.name + "': read of variants outside the table");
    const std::int64_t c0 = m.r0 / 4;
    const std::int64_t c1 = m.r1 > m.r0 ? ceil_div(m.r1, 4) : c0;
    block.width = c1 - c0;
    block.shift = static_cast<int>(m.r0 % 4);
    block.bytes.resize(static_cast<std::size_t>(std::max<std::int64_t>(1, nv * block.width)));
    const h5::Where w{m.s->path, m.group.where().object + "/" + layout::kCallsDataset};
    const h5::Dataset calls = m.group.open_dataset(layout::kCallsDataset);
    const SpaceHandle fspace = space_2d(m.variants, m.width, v0, nv, c0, block.width, w);
    const SpaceHandle mspace = space_2d(std::max<std::int64_t>(1, nv), std::max<std::int64_t>(1, block.width), 0, nv, 0,
                                        block.width, w);
    h5::check(H5Dread(calls.id(), H5T_NATIVE_UINT8, mspace.id(), fspace.id(), m.s->transfer_list().id(),
                      block.bytes.data()),
              w, "H5Dread(calls)");
    m.s->bytes_read += nv * block.width;
}

}  // namespace kohort
