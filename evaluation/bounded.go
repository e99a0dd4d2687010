package evaluation

import "container/heap"

// bounded keeps the size least items offered to it (by less), the
// greatest of them on top: a shortlist's nearest candidates without
// sorting every one offered.
type bounded[T any] struct {
	items []T
	less  func(a, b T) bool
}

func (h bounded[T]) Len() int           { return len(h.items) }
func (h bounded[T]) Less(i, j int) bool { return h.less(h.items[j], h.items[i]) }
func (h bounded[T]) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }

// Push appends an item (container/heap's).
func (h *bounded[T]) Push(x any) { h.items = append(h.items, x.(T)) }

// Pop removes the last item (container/heap's).
func (h *bounded[T]) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// offer keeps x if it is among the size least offered so far.
func (h *bounded[T]) offer(x T, size int) {
	switch {
	case len(h.items) < size:
		heap.Push(h, x)
	case size > 0 && h.less(x, h.items[0]):
		h.items[0] = x
		heap.Fix(h, 0)
	}
}
