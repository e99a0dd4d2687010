package load

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// QuoteError is a CSV file with a quote that is never closed: every line
// after it would be read as part of one value, so the file is refused
// rather than losing those records without a count.
type QuoteError struct {
	// File is the file's name, Line the line the quote opens on and
	// Lines how many lines from there to the end of the file.
	File        string
	Line, Lines int64
}

func (e *QuoteError) Error() string {
	return fmt.Sprintf("load %s line %d: a quote opens here and is never closed, so the %d lines from here to the end of the file would be read as one value; close the quote, or remove it",
		e.File, e.Line, e.Lines)
}

// RecordCountError is a CSV file whose records, counted by the CSV rules,
// differ from what the reader read and rejected: the load stops rather
// than report counts that do not reconcile with the file.
type RecordCountError struct {
	File            string
	Records, Read   int64
	FirstUnreadable int64
}

func (e *RecordCountError) Error() string {
	return fmt.Sprintf("load %s: the file holds %d records but %d were read (the reader lost its place after line %d, the first it could not read); check the quotes on and after that line",
		e.File, e.Records, e.Read, e.FirstUnreadable)
}

// csvShape is what a scan of a CSV file finds under the CSV rules (RFC
// 4180, the quote doubled inside a quoted value, as the loader reads it).
type csvShape struct {
	// Records counts the records after the header; blank lines are not
	// records.
	Records int64
	// Lines is the number of lines in the file.
	Lines int64
	// OpenQuote is the line where a quote that is never closed opens (0
	// when every quote closes).
	OpenQuote int64
}

// scanCSV counts a CSV file's records and finds a quote left open. It
// reads the file once; the loader runs it only on a file with lines the
// reader could not read.
func scanCSV(path string) (csvShape, error) {
	f, err := os.Open(path)
	if err != nil {
		return csvShape{}, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var sh csvShape
	line := int64(1)
	var records int64
	inQuote, fieldStart, content := false, true, false
	var quoteLine int64
	var last byte
	for {
		b, err := r.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return sh, err
		}
		last = b
		if inQuote {
			switch b {
			case '"':
				if next, err := r.Peek(1); err == nil && next[0] == '"' {
					r.ReadByte()
				} else {
					inQuote = false
				}
			case '\n':
				line++
			}
			continue
		}
		switch b {
		case '"':
			if fieldStart {
				inQuote, quoteLine = true, line
			}
			fieldStart, content = false, true
		case ',':
			fieldStart, content = true, true
		case '\n':
			if content {
				records++
			}
			line++
			fieldStart, content = true, false
		case '\r':
		default:
			fieldStart, content = false, true
		}
	}
	if content || inQuote {
		records++
	}
	sh.Lines = line
	if last == '\n' {
		sh.Lines = line - 1 // the last line ends with its line break
	}
	if inQuote {
		sh.OpenQuote = quoteLine
	}
	if records > 0 {
		sh.Records = records - 1 // the header
	}
	return sh, nil
}
