#include "tools/cli/carry_pending.h"

#include <memory>

#include "node/pending_journal.h"
#include "storage/keys.h"
#include "tools/cli/verify_report.h"

namespace evchain::cli {

Result<size_t> CarryPendingDeposits(const std::string& old_dir, storage::WriteBatch* batch) {
  auto store = storage::OpenLevelDb(old_dir);
  if (!store.ok()) return store.status();
  const std::string prefix = storage::keys::Meta(node::PendingJournal::kKeyPrefix);
  size_t carried = 0;
  std::unique_ptr<storage::Iterator> it = (*store)->NewIterator();
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    batch->Put(it->key(), it->value());
    ++carried;
  }
  if (Status s = it->status(); !s.ok()) return s;
  return carried;
}

std::string CarryFailedText(const std::string& old_dir, const Status& status) {
  return "cannot read the pending deposits of " + PrintableText(old_dir) + " (" +
         PrintableText(status.ToString()) +
         "): deposits it acknowledged and had not committed are not carried over; the "
         "depositors' own copies can be sent again";
}

}  // namespace evchain::cli
