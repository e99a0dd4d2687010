package app

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"sync"

	"github.com/BurntSushi/toml"
	"golang.org/x/crypto/bcrypt"
)

// Roles.
const (
	// RoleAssessor sees person-level pages: the list with ids, the
	// relationship pages, the packs and the plans.
	RoleAssessor = "assessor"
	// RoleAnalyst sees aggregates only: no names or ids.
	RoleAnalyst = "analyst"
	// RoleAdmin sees everything and the audit log.
	RoleAdmin = "admin"
)

// Roles lists the roles.
var Roles = []string{RoleAssessor, RoleAnalyst, RoleAdmin}

// DefaultPasswordCost is the bcrypt work factor for password hashes
// (bcrypt's default is 10; 12 costs about a quarter of a second here, which
// slows guessing without slowing a login noticeably).
const DefaultPasswordCost = 12

// PasswordCost is the work factor AddUser hashes with. Tests lower it to
// bcrypt.MinCost so that making users costs them nothing; a hash keeps its
// own cost, so a login checks each at the cost it was made with.
var PasswordCost = DefaultPasswordCost

// minPassword is the shortest password accepted (NCSC guidance favours
// length over composition rules).
const minPassword = 12

// User is one line of the users file.
type User struct {
	Name         string `toml:"name"`
	Role         string `toml:"role"`
	PasswordHash string `toml:"password_hash"`
}

type usersFile struct {
	Users []User `toml:"users"`
}

var userNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// UsersFileError is a users file that cannot be used: missing, unreadable,
// or with no valid user.
type UsersFileError struct {
	Path string
	Err  error
}

func (e *UsersFileError) Error() string { return fmt.Sprintf("users file %s: %v", e.Path, e.Err) }

func (e *UsersFileError) Unwrap() error { return e.Err }

// LoadUsers reads the users file (TOML: [[users]] with name, role and a
// bcrypt password_hash).
func LoadUsers(path string) (map[string]User, error) {
	var f usersFile
	if _, err := toml.DecodeFile(path, &f); err != nil {
		return nil, &UsersFileError{Path: path, Err: err}
	}
	out := map[string]User{}
	for _, u := range f.Users {
		if !validRole(u.Role) {
			return nil, &UsersFileError{Path: path, Err: fmt.Errorf("user %s has role %q; use assessor, analyst or admin", u.Name, u.Role)}
		}
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			return nil, &UsersFileError{Path: path, Err: fmt.Errorf("user %s has no valid bcrypt hash", u.Name)}
		}
		out[u.Name] = u
	}
	if len(out) == 0 {
		return nil, &UsersFileError{Path: path, Err: errors.New("no users")}
	}
	return out, nil
}

func validRole(r string) bool { return slices.Contains(Roles, r) }

// AddUser creates or updates a user in the users file (created owner-only
// when missing), hashing the password with bcrypt.
func AddUser(path, name, role, password string) error {
	if !userNameRe.MatchString(name) {
		return errors.New("users add: a user name is 2-64 lower-case letters, digits, dots, dashes or underscores")
	}
	if !validRole(role) {
		return fmt.Errorf("users add: role %q: use assessor, analyst or admin", role)
	}
	if len(password) < minPassword {
		return fmt.Errorf("users add: the password must have at least %d characters", minPassword)
	}
	var f usersFile
	if _, err := os.Stat(path); err == nil {
		if _, err := toml.DecodeFile(path, &f); err != nil {
			return fmt.Errorf("users add: %s: %w", path, err)
		}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), PasswordCost)
	if err != nil {
		return err
	}
	found := false
	for i := range f.Users {
		if f.Users[i].Name == name {
			f.Users[i].Role, f.Users[i].PasswordHash, found = role, string(hash), true
		}
	}
	if !found {
		f.Users = append(f.Users, User{Name: name, Role: role, PasswordHash: string(hash)})
	}
	sort.Slice(f.Users, func(i, j int) bool { return f.Users[i].Name < f.Users[j].Name })
	var buf bytes.Buffer
	buf.WriteString("# tau users: bcrypt password hashes; edit only with tau users add.\n")
	if err := toml.NewEncoder(&buf).Encode(f); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// dummyHash is compared against when the user name is unknown, so a
// wrong name takes as long as a wrong password (no user enumeration by
// timing). It is made on first use, at the cost users are hashed with.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("tau-no-such-user-password"), PasswordCost)
	return h
})

// check verifies a password.
func check(users map[string]User, name, password string) (User, bool) {
	u, ok := users[name]
	hash := dummyHash()
	if ok {
		hash = []byte(u.PasswordHash)
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
	return u, ok && err == nil
}
