// docs/storage-format.md "LevelDB options".
#include "storage/point_key_filter.h"

#include <leveldb/slice.h>

#include <string>
#include <vector>

#include "storage/keys.h"

namespace evchain::storage {
namespace {

bool IsIndexKey(const leveldb::Slice& key) {
  if (key.empty()) return false;
  const char kind = key[0];
  return kind == keys::kDigest || kind == keys::kEvidenceId || kind == keys::kNonce;
}

class PointKeyFilterPolicy : public leveldb::FilterPolicy {
 public:
  explicit PointKeyFilterPolicy(int bits_per_key)
      : bloom_(leveldb::NewBloomFilterPolicy(bits_per_key)) {}

  // Stored in every table's meta index: changing what goes into a filter needs a new name.
  const char* Name() const override { return "evchain.PointKeyBloom1"; }

  void CreateFilter(const leveldb::Slice* keys, int n, std::string* dst) const override {
    std::vector<leveldb::Slice> point;
    for (int i = 0; i < n; ++i) {
      if (!IsIndexKey(keys[i])) point.push_back(keys[i]);
    }
    // Nothing to filter: an empty filter, which LevelDB stores as a zero-length range (4 bytes of
    // offset) and KeyMayMatch below reads as "none of the point keys".
    if (point.empty()) return;
    bloom_->CreateFilter(point.data(), static_cast<int>(point.size()), dst);
  }

  bool KeyMayMatch(const leveldb::Slice& key, const leveldb::Slice& filter) const override {
    if (IsIndexKey(key)) return true;
    // LevelDB's Bloom filter reads a filter shorter than 2 bytes as matching nothing.
    return bloom_->KeyMayMatch(key, filter);
  }

 private:
  std::unique_ptr<const leveldb::FilterPolicy> bloom_;
};

}  // namespace

std::unique_ptr<const leveldb::FilterPolicy> NewPointKeyFilterPolicy(int bits_per_key) {
  return std::make_unique<PointKeyFilterPolicy>(bits_per_key);
}

}  // namespace evchain::storage
