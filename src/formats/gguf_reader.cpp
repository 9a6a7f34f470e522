// The GGUF parser. It reads the header, metadata and tensor infos with a bounds-checked ByteReader and turns
// each tensor into a view of the data section. Nothing here trusts a number from the file before checking it.
#include <cstring>

#include "core/mapped_file.h"
#include "formats/byte_reader.h"
#include "formats/gguf.h"

namespace loom {

namespace {

constexpr char kMagic[4] = {'G', 'G', 'U', 'F'};
// Smallest possible encodings, used to bound counts by the bytes that remain before allocating anything.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;              // empty key, type, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;  // empty name, n_dims = 0, type, offset
constexpr uint64_t kMinArrayBytes = 4 + 8;               // element type + count

std::string printable_magic(std::span<const uint8_t> bytes) {
    std::string out;
    for (size_t i = 0; i < 4 && i < bytes.size(); ++i) {
        uint8_t c = bytes[i];
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    return out;
}

bool add_overflows(uint64_t a, uint64_t b, uint64_t* sum) {
    return __builtin_add_overflow(a, b, sum);
}
bool mul_overflows(uint64_t a, uint64_t b, uint64_t* product) {
    return __builtin_mul_overflow(a, b, product);
}

}  // namespace

bool is_gguf_magic(std::span<const uint8_t> bytes) {
    return bytes.size() >= 4 && std::memcmp(bytes.data(), kMagic, 4) == 0;
}

class GgufParser {
  public:
    GgufParser(std::span<const uint8_t> bytes, std::shared_ptr<const void> owner, std::string name)
        : bytes_(bytes), in_(bytes, name), owner_(std::move(owner)), file_(new GgufFile()) {
        file_->path_ = std::move(name);
    }

    std::shared_ptr<const GgufFile> run() {
        read_header();
        read_metadata();
        read_alignment();
        read_tensor_infos();
        place_tensors();
        return file_;
    }

  private:
    void read_header() {
        if (bytes_.size() < 4)
            throw in_.error("file too short for a GGUF header (" + std::to_string(bytes_.size()) + " bytes)",
                            0);
        if (!is_gguf_magic(bytes_))
            throw in_.error("not a GGUF file: magic is '" + printable_magic(bytes_) + "', expected 'GGUF'",
                            0);
        in_.read<uint32_t>("magic");
        uint64_t at = in_.offset();
        uint32_t version = in_.read<uint32_t>("version");
        if (version == 1) throw in_.error("GGUF version 1 is not supported (loom reads v2 and v3)", at);
        if (version != 2 && version != 3) {
            Error e =
                in_.error("unknown GGUF version " + std::to_string(version) + " (loom reads v2 and v3)", at);
            if ((version & 0xffff) == 0)
                e.hint("a big-endian GGUF file? loom reads little-endian files only");
            throw e;
        }
        file_->version_ = version;
        tensor_count_at_ = in_.offset();
        tensor_count_ = in_.read<uint64_t>("tensor count");
        uint64_t kv_at = in_.offset();
        kv_count_ = in_.read<uint64_t>("metadata count");
        if (kv_count_ > in_.remaining() / kMinKvBytes)
            throw in_.error("metadata count " + std::to_string(kv_count_) + " is more than the " +
                                std::to_string(in_.remaining()) + " remaining bytes can hold",
                            kv_at);
    }

    std::string read_string(const char* what) {
        uint64_t at = in_.offset();
        uint64_t length = in_.read<uint64_t>(what);
        if (length > in_.remaining())
            throw in_.error(std::string(what) + " length " + std::to_string(length) +
                                " is past the end of the file (" + std::to_string(in_.remaining()) +
                                " bytes remain)",
                            at);
        return std::string(in_.read_bytes(length, what));
    }

    GgufType read_type(const char* what) {
        uint64_t at = in_.offset();
        uint32_t id = in_.read<uint32_t>(what);
        if (!gguf_type_valid(id))
            throw in_.error("unknown GGUF metadata value type " + std::to_string(id), at);
        return static_cast<GgufType>(id);
    }

    GgufValue read_value(GgufType type, uint32_t depth) {
        switch (type) {
            case GgufType::UInt8:
                return GgufValue::u8(in_.read<uint8_t>("uint8 value"));
            case GgufType::Int8:
                return GgufValue::i8(in_.read<int8_t>("int8 value"));
            case GgufType::UInt16:
                return GgufValue::u16(in_.read<uint16_t>("uint16 value"));
            case GgufType::Int16:
                return GgufValue::i16(in_.read<int16_t>("int16 value"));
            case GgufType::UInt32:
                return GgufValue::u32(in_.read<uint32_t>("uint32 value"));
            case GgufType::Int32:
                return GgufValue::i32(in_.read<int32_t>("int32 value"));
            case GgufType::UInt64:
                return GgufValue::u64(in_.read<uint64_t>("uint64 value"));
            case GgufType::Int64:
                return GgufValue::i64(in_.read<int64_t>("int64 value"));
            case GgufType::Float32:
                return GgufValue::f32(in_.read<float>("float32 value"));
            case GgufType::Float64:
                return GgufValue::f64(in_.read<double>("float64 value"));
            case GgufType::Bool: {
                // Read as a byte: any nonzero byte is true (copying a stray byte into a bool would be UB).
                return GgufValue::boolean(in_.read<uint8_t>("bool value") != 0);
            }
            case GgufType::String:
                return GgufValue::string(read_string("string value"));
            case GgufType::Array:
                return read_array(depth);
        }
        throw in_.error("internal: unhandled GGUF type");
    }

    GgufValue read_array(uint32_t depth) {
        uint64_t at = in_.offset();
        if (depth >= kGgufMaxArrayNesting)
            throw in_.error("arrays nested deeper than " + std::to_string(kGgufMaxArrayNesting) + " levels",
                            at);
        GgufType element_type = read_type("array element type");
        uint64_t count_at = in_.offset();
        uint64_t count = in_.read<uint64_t>("array count");
        uint64_t min_element = gguf_type_fixed_size(element_type);
        if (element_type == GgufType::String) min_element = 8;
        if (element_type == GgufType::Array) min_element = kMinArrayBytes;
        if (count > in_.remaining() / min_element)
            throw in_.error("array count " + std::to_string(count) + " of " + gguf_type_name(element_type) +
                                " is more than the " + std::to_string(in_.remaining()) +
                                " remaining bytes can hold",
                            count_at);
        std::vector<GgufValue> items;
        items.reserve(static_cast<size_t>(count));
        for (uint64_t i = 0; i < count; ++i) items.push_back(read_value(element_type, depth + 1));
        return GgufValue::array(element_type, std::move(items));
    }

    void read_metadata() {
        file_->metadata_.reserve(static_cast<size_t>(kv_count_));
        for (uint64_t i = 0; i < kv_count_; ++i) {
            uint64_t at = in_.offset();
            std::string key = read_string("metadata key");
            if (file_->index_.count(key)) throw in_.error("duplicate metadata key '" + key + "'", at);
            GgufType type = read_type("metadata value type");
            GgufValue value = read_value(type, 0);
            file_->index_.emplace(key, file_->metadata_.size());
            file_->metadata_.emplace_back(std::move(key), std::move(value));
        }
    }

    void read_alignment() {
        const GgufValue* value = file_->find("general.alignment");
        if (!value) return;
        if (!gguf_type_is_unsigned(value->type()))
            throw in_.error(std::string("general.alignment has type ") + gguf_type_name(value->type()) +
                            ", expected UINT32");
        uint64_t alignment = value->as_unsigned();
        if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > (uint64_t{1} << 30))
            throw in_.error("general.alignment " + std::to_string(alignment) +
                            " is not a power of two between 1 and 2^30");
        file_->alignment_ = alignment;
    }

    void read_tensor_infos() {
        if (tensor_count_ > in_.remaining() / kMinTensorInfoBytes)
            throw in_.error("tensor count " + std::to_string(tensor_count_) + " is more than the " +
                                std::to_string(in_.remaining()) + " remaining bytes can hold",
                            tensor_count_at_);
        file_->tensor_infos_.reserve(static_cast<size_t>(tensor_count_));
        info_offsets_.reserve(static_cast<size_t>(tensor_count_));
        for (uint64_t i = 0; i < tensor_count_; ++i) {
            info_offsets_.push_back(in_.offset());
            file_->tensor_infos_.push_back(read_tensor_info());
        }
    }

    GgufTensorInfo read_tensor_info() {
        GgufTensorInfo info;
        info.name = read_string("tensor name");
        auto fail = [&](const std::string& message, uint64_t at) {
            return in_.error(message, at).tensor(info.name);
        };

        uint64_t at = in_.offset();
        uint32_t n_dims = in_.read<uint32_t>("tensor n_dims");
        if (n_dims > kGgufMaxDims)
            throw fail("tensor has " + std::to_string(n_dims) + " dimensions, at most " +
                           std::to_string(kGgufMaxDims) + " are allowed",
                       at);
        std::vector<uint64_t> dims(n_dims);  // innermost first, as stored
        uint64_t numel = 1;
        for (uint32_t d = 0; d < n_dims; ++d) {
            at = in_.offset();
            dims[d] = in_.read<uint64_t>("tensor dimension");
            if (dims[d] > static_cast<uint64_t>(INT64_MAX) || mul_overflows(numel, dims[d], &numel) ||
                numel > static_cast<uint64_t>(INT64_MAX))
                throw fail(
                    "tensor dimension " + std::to_string(dims[d]) + " makes the element count overflow", at);
        }
        at = in_.offset();
        uint32_t type_id = in_.read<uint32_t>("tensor type");
        std::optional<DTypeInfo> dtype = dtype_info(type_id);
        if (!dtype) throw fail("unknown GGML tensor type id " + std::to_string(type_id), at);
        info.dtype = dtype->type;

        uint64_t inner = n_dims ? dims[0] : 1;
        if (inner % dtype->block_size != 0)
            throw fail("innermost dimension " + std::to_string(inner) + " is not a multiple of the " +
                           dtype->name + " block size " + std::to_string(dtype->block_size),
                       at);
        uint64_t row = 0;
        uint64_t rows = inner == 0 ? 0 : numel / inner;
        if (mul_overflows(inner / dtype->block_size, dtype->block_bytes, &row) ||
            mul_overflows(row, rows, &info.nbytes))
            throw fail("tensor byte size overflows 64 bits", at);

        at = in_.offset();
        info.offset = in_.read<uint64_t>("tensor data offset");
        if (info.offset % file_->alignment_ != 0)
            throw fail("tensor data offset " + std::to_string(info.offset) +
                           " is not a multiple of the alignment " + std::to_string(file_->alignment_),
                       at);
        info.shape.assign(dims.rbegin(), dims.rend());  // GGUF lists innermost first; loom outermost first
        return info;
    }

    void place_tensors() {
        uint64_t end_of_infos = in_.offset();
        uint64_t alignment = file_->alignment_;
        uint64_t data_offset = 0;
        if (add_overflows(end_of_infos, alignment - 1, &data_offset))
            throw in_.error("data section offset overflows", end_of_infos);
        data_offset -= data_offset % alignment;
        file_->data_offset_ = data_offset;
        if (file_->tensor_infos_.empty()) return;  // vocab-only files need no data section (or its padding)
        if (data_offset > bytes_.size())
            throw in_.error("data section starts at byte " + std::to_string(data_offset) +
                                ", past the end of the " + std::to_string(bytes_.size()) + "-byte file",
                            end_of_infos);
        uint64_t data_size = bytes_.size() - data_offset;
        for (size_t i = 0; i < file_->tensor_infos_.size(); ++i) {
            const GgufTensorInfo& info = file_->tensor_infos_[i];
            uint64_t end = 0;
            if (info.offset > data_size || add_overflows(info.offset, info.nbytes, &end) || end > data_size)
                throw in_
                    .error("tensor data [" + std::to_string(info.offset) + ", +" +
                               std::to_string(info.nbytes) + ") lies past the end of the " +
                               std::to_string(data_size) + "-byte data section",
                           info_offsets_[i])
                    .tensor(info.name);
            const uint8_t* data = bytes_.data() + data_offset + info.offset;
            if (file_->weights_.contains(info.name))
                throw in_.error("duplicate tensor name", info_offsets_[i]).tensor(info.name);
            file_->weights_.add(info.name, Tensor(info.dtype, info.shape, data, owner_));
        }
    }

    std::span<const uint8_t> bytes_;
    ByteReader in_;
    std::shared_ptr<const void> owner_;
    std::shared_ptr<GgufFile> file_;
    uint64_t tensor_count_ = 0, kv_count_ = 0, tensor_count_at_ = 0;
    std::vector<uint64_t> info_offsets_;  // where each tensor info starts, for error messages
};

std::shared_ptr<const GgufFile> GgufFile::parse(std::span<const uint8_t> bytes,
                                                std::shared_ptr<const void> owner, std::string name) {
    return GgufParser(bytes, std::move(owner), std::move(name)).run();
}

std::shared_ptr<const GgufFile> GgufFile::open(const std::string& path) {
    std::shared_ptr<MappedFile> mapped = MappedFile::open(path);
    return parse(mapped->bytes(), mapped, path);
}

}  // namespace loom
