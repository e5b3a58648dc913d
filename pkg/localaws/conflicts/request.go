package conflicts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// request is the part of a DynamoDB request that names items: a single
// item's table and key (or whole item, for PutItem), or a transaction's.
type request struct {
	TableName     string
	Key           map[string]json.RawMessage
	Item          map[string]json.RawMessage
	TransactItems []struct {
		Put, Update, Delete, ConditionCheck, Get *action
	}
}

type action struct {
	TableName string
	Key       map[string]json.RawMessage
	Item      map[string]json.RawMessage // Put only
}

// schema returns a table's key attribute names.
type schema func(ctx context.Context, table string) ([]string, error)

// items returns the identities of the items a request touches, in the
// order of its TransactItems (one for a single-item request).
func (p *Proxy) items(ctx context.Context, body []byte) ([]string, error) {
	return itemsOf(ctx, body, p.keySchema)
}

func itemsOf(ctx context.Context, body []byte, keys schema) ([]string, error) {
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, fmt.Errorf("decode request: %w", err)
	}
	if req.TransactItems == nil {
		it, err := item(ctx, action{TableName: req.TableName, Key: req.Key, Item: req.Item}, keys)
		if err != nil {
			return nil, err
		}
		return []string{it}, nil
	}
	items := make([]string, 0, len(req.TransactItems))
	for i, ti := range req.TransactItems {
		var a *action
		for _, x := range []*action{ti.Put, ti.Update, ti.Delete, ti.ConditionCheck, ti.Get} {
			if x != nil {
				a = x
			}
		}
		if a == nil {
			return nil, fmt.Errorf("TransactItems[%d]: no action", i)
		}
		it, err := item(ctx, *a, keys)
		if err != nil {
			return nil, fmt.Errorf("TransactItems[%d]: %w", i, err)
		}
		items = append(items, it)
	}
	return items, nil
}

// item is an item's identity: its table and its key attributes' values as
// JSON, in the order of their names. A Put names its item by the whole
// item, so its key attributes come from the table's key schema.
func item(ctx context.Context, a action, keys schema) (string, error) {
	if a.TableName == "" {
		return "", errors.New("no TableName")
	}
	key := a.Key
	if key == nil && a.Item != nil {
		names, err := keys(ctx, a.TableName)
		if err != nil {
			return "", err
		}
		key = make(map[string]json.RawMessage, len(names))
		for _, n := range names {
			v, ok := a.Item[n]
			if !ok {
				return "", fmt.Errorf("item has no key attribute %s", n)
			}
			key[n] = v
		}
	}
	if len(key) == 0 {
		return "", errors.New("no Key")
	}
	return identity(a.TableName, key)
}

// identity writes table and key canonically: names sorted, values as
// compact JSON, so that the same item has one identity however a client
// spaces its JSON.
func identity(table string, key map[string]json.RawMessage) (string, error) {
	names := make([]string, 0, len(key))
	for n := range key {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(table)
	var v bytes.Buffer
	for _, n := range names {
		v.Reset()
		if err := json.Compact(&v, key[n]); err != nil {
			return "", fmt.Errorf("key attribute %s: %w", n, err)
		}
		b.WriteByte(0)
		b.WriteString(n)
		b.WriteByte('=')
		b.Write(v.Bytes())
	}
	return b.String(), nil
}
