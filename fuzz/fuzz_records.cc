// Fuzzes the evidence log's stored record decoders (storage/records.h,
// docs/storage-format.md "Values"): they must refuse anything truncated, oversized or flagged
// unknown as "corruption", never trust a stored length. Input: u8 kind || value; whatever
// decodes must encode back to the same bytes (the formats have one encoding per value).
#include <string>

#include "fuzz/fuzz_util.h"
#include "storage/records.h"

namespace evchain::fuzz {
namespace {

int Run(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view value = AsText(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      ledger::Entry entry;
      Bytes leaf;
      const Status s = storage::DecodeEntryRecord(value, &entry, &leaf);
      Result<std::string_view> only_leaf = storage::EntryRecordLeaf(value);
      if (!s.ok()) {
        FUZZ_CHECK(s.code() == "corruption");
        break;
      }
      FUZZ_CHECK(only_leaf.ok() && AsBytes(*only_leaf).size() == leaf.size());
      FUZZ_CHECK(std::equal(leaf.begin(), leaf.end(), AsBytes(*only_leaf).begin()));
      FUZZ_CHECK(storage::EncodeEntryRecord(entry, leaf) == value);
      break;
    }
    case 1: {
      Result<storage::BlockRecord> r = storage::DecodeBlockRecord(value);
      if (!r.ok()) {
        FUZZ_CHECK(r.status().code() == "corruption");
        break;
      }
      FUZZ_CHECK(storage::EncodeBlockRecord(*r) == value);
      (void)ledger::BlockHeader::Decode(r->header);
      break;
    }
    case 2: {
      Result<storage::LogState> st = storage::DecodeLogState(value);
      if (!st.ok()) {
        FUZZ_CHECK(st.status().code() == "corruption");
        break;
      }
      FUZZ_CHECK(storage::EncodeLogState(*st) == value);
      break;
    }
  }
  return 0;
}

}  // namespace
}  // namespace evchain::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return evchain::fuzz::Run(data, size);
}
