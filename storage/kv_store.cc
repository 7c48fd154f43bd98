#include "storage/kv_store.h"

namespace evchain::storage {

void WriteBatch::Put(std::string_view key, std::string_view value) {
  ops_.push_back(Op{false, std::string(key), std::string(value)});
}

void WriteBatch::Delete(std::string_view key) { ops_.push_back(Op{true, std::string(key), {}}); }

}  // namespace evchain::storage
