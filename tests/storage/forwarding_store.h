// A KvStore that passes every call to another one: the base of the tests' wrappers that count,
// hold back or fail writes (tests/node/admission_test.cc, pending_journal_test.cc,
// tests/storage/crash_recovery_test.cc). A wrapper overrides only what it changes. Header-only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "storage/kv_store.h"

namespace evchain::storage {

class ForwardingStore : public KvStore {
 public:
  // `inner` must outlive this store.
  explicit ForwardingStore(KvStore* inner) : inner_(inner) {}
  Result<std::optional<std::string>> Get(std::string_view key) const override {
    return inner_->Get(key);
  }
  Status Write(const WriteBatch& batch, bool sync) override { return inner_->Write(batch, sync); }
  std::unique_ptr<Iterator> NewIterator() const override { return inner_->NewIterator(); }
  Status CompactAll() override { return inner_->CompactAll(); }
  // The inner store's companion, unwrapped: a wrapper that must see the companion's writes too
  // overrides this.
  KvStore* Sequential() override { return inner_->Sequential(); }

 private:
  KvStore* inner_;
};

}  // namespace evchain::storage
