#include "formats/gguf_writer.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/error.h"

namespace loom {

GgufWriter::GgufWriter(uint32_t alignment, uint32_t version) : alignment_(alignment), version_(version) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        throw Error("GGUF alignment " + std::to_string(alignment) + " is not a power of two");
    if (version != 2 && version != 3)
        throw Error("GgufWriter writes GGUF v2 or v3, not v" + std::to_string(version));
    if (alignment != kGgufDefaultAlignment) set("general.alignment", GgufValue::u32(alignment));
}

void GgufWriter::set(const std::string& key, GgufValue value) {
    for (auto& [existing, old] : metadata_)
        if (existing == key) {
            old = std::move(value);
            return;
        }
    metadata_.emplace_back(key, std::move(value));
}

void GgufWriter::add_tensor(const std::string& name, DType dtype, std::vector<int64_t> shape,
                            std::vector<uint8_t> bytes) {
    if (shape.size() > kGgufMaxDims)
        throw Error("GGUF tensors have at most " + std::to_string(kGgufMaxDims) + " dimensions").tensor(name);
    for (const PendingTensor& t : tensors_)
        if (t.name == name) throw Error("duplicate tensor name").tensor(name);
    Tensor probe(dtype, shape, nullptr, nullptr);  // validates dims and block multiples
    if (probe.nbytes() != bytes.size())
        throw Error("tensor " + probe.shape_string() + " of " + dtype_name(dtype) + " needs " +
                    std::to_string(probe.nbytes()) + " bytes, given " + std::to_string(bytes.size()))
            .tensor(name);
    tensors_.push_back({name, dtype, std::move(shape), std::move(bytes)});
}

namespace {

template <typename T>
void put(const std::function<void(const void*, size_t)>& sink, T value) {
    sink(&value, sizeof value);
}

void put_string(const std::function<void(const void*, size_t)>& sink, const std::string& s) {
    put<uint64_t>(sink, s.size());
    sink(s.data(), s.size());
}

void put_value(const std::function<void(const void*, size_t)>& sink, const GgufValue& value) {
    switch (value.type()) {
        case GgufType::UInt8:
            put<uint8_t>(sink, static_cast<uint8_t>(value.as_unsigned()));
            break;
        case GgufType::Int8:
            put<int8_t>(sink, static_cast<int8_t>(value.as_signed()));
            break;
        case GgufType::UInt16:
            put<uint16_t>(sink, static_cast<uint16_t>(value.as_unsigned()));
            break;
        case GgufType::Int16:
            put<int16_t>(sink, static_cast<int16_t>(value.as_signed()));
            break;
        case GgufType::UInt32:
            put<uint32_t>(sink, static_cast<uint32_t>(value.as_unsigned()));
            break;
        case GgufType::Int32:
            put<int32_t>(sink, static_cast<int32_t>(value.as_signed()));
            break;
        case GgufType::UInt64:
            put<uint64_t>(sink, value.as_unsigned());
            break;
        case GgufType::Int64:
            put<int64_t>(sink, value.as_signed());
            break;
        case GgufType::Float32:
            put<float>(sink, value.as_f32());
            break;
        case GgufType::Float64:
            put<double>(sink, value.as_f64());
            break;
        case GgufType::Bool:
            put<uint8_t>(sink, value.as_bool() ? 1 : 0);
            break;
        case GgufType::String:
            put_string(sink, value.as_string());
            break;
        case GgufType::Array: {
            const GgufArray& array = value.as_array();
            put<uint32_t>(sink, static_cast<uint32_t>(array.element_type));
            put<uint64_t>(sink, array.items.size());
            for (const GgufValue& item : array.items) put_value(sink, item);
            break;
        }
    }
}

uint64_t align_up(uint64_t n, uint64_t alignment) {
    return (n + alignment - 1) / alignment * alignment;
}

}  // namespace

void GgufWriter::serialize(const Sink& user_sink) const {
    uint64_t written = 0;
    Sink sink = [&](const void* data, size_t size) {
        user_sink(data, size);
        written += size;
    };
    const std::vector<uint8_t> zeros(alignment_, 0);
    auto pad = [&] { sink(zeros.data(), static_cast<size_t>(align_up(written, alignment_) - written)); };

    sink("GGUF", 4);
    put<uint32_t>(sink, version_);
    put<uint64_t>(sink, tensors_.size());
    put<uint64_t>(sink, metadata_.size());
    for (const auto& [key, value] : metadata_) {
        put_string(sink, key);
        put<uint32_t>(sink, static_cast<uint32_t>(value.type()));
        put_value(sink, value);
    }
    uint64_t offset = 0;
    for (const PendingTensor& t : tensors_) {
        put_string(sink, t.name);
        put<uint32_t>(sink, static_cast<uint32_t>(t.shape.size()));
        for (auto d = t.shape.rbegin(); d != t.shape.rend(); ++d)
            put<uint64_t>(sink, static_cast<uint64_t>(*d));
        put<uint32_t>(sink, static_cast<uint32_t>(t.dtype));
        put<uint64_t>(sink, offset);
        offset = align_up(offset + t.bytes.size(), alignment_);
    }
    pad();  // the data section starts aligned (written even without tensors, as the Python gguf writer does)
    for (const PendingTensor& t : tensors_) {
        sink(t.bytes.data(), t.bytes.size());
        pad();
    }
}

std::vector<uint8_t> GgufWriter::to_bytes() const {
    std::vector<uint8_t> out;
    serialize([&](const void* data, size_t size) {
        const uint8_t* p = static_cast<const uint8_t*>(data);
        out.insert(out.end(), p, p + size);
    });
    return out;
}

void GgufWriter::write(const std::string& path) const {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!file) throw Error("cannot create file").file(path);
    bool ok = true;
    serialize([&](const void* data, size_t size) {
        if (ok && size && std::fwrite(data, 1, size, file.get()) != size) ok = false;
    });
    if (!ok || std::fflush(file.get()) != 0) throw Error("write failed (disk full?)").file(path);
}

}  // namespace loom
