"""The config documents (runtime flags, targets, rules, schedule, preferences): versioned,
cached, written by compare-and-set."""
