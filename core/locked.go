package core

import "time"

// LockedDomain is a registration as a command's transaction has locked it,
// handed to the command's rule. Its methods are the registry's rules, each
// checking and applying in one step; there is no way through it to set a
// field around them, so a rule cannot be checked on one read and applied to
// another. Only the pipeline that holds the lock makes one (LockForRules).
type LockedDomain struct{ d *Domain }

// LockForRules wraps d, which the caller holds locked in its transaction,
// for a command's rule.
func LockForRules(d *Domain) LockedDomain { return LockedDomain{d: d} }

// Read answers a copy of the registration, to read from.
func (l LockedDomain) Read() Domain {
	c := *l.d
	c.Statuses = append([]string(nil), l.d.Statuses...)
	c.Grace = append([]GracePeriod(nil), l.d.Grace...)
	return c
}

// Renew applies Domain.Renew.
func (l LockedDomain) Renew(r Renewal, now time.Time, p Policy) (LifecycleEffect, error) {
	return l.d.Renew(r, now, p)
}

// Update applies Domain.Update.
func (l LockedDomain) Update(u DomainUpdate, now time.Time) error { return l.d.Update(u, now) }

// ChangeNameservers applies Domain.ChangeNameservers.
func (l LockedDomain) ChangeNameservers(ns []string, now time.Time) error {
	return l.d.ChangeNameservers(ns, now)
}

// ChangeRecords applies Domain.ChangeRecords.
func (l LockedDomain) ChangeRecords(now time.Time) error { return l.d.ChangeRecords(now) }

// Delete applies Domain.Delete.
func (l LockedDomain) Delete(now time.Time, p Policy) (LifecycleEffect, error) {
	return l.d.Delete(now, p)
}

// Restore applies Domain.Restore.
func (l LockedDomain) Restore(now time.Time) (LifecycleEffect, bool, error) { return l.d.Restore(now) }
