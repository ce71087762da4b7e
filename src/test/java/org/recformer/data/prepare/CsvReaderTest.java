package org.recformer.data.prepare;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CsvReaderTest {

    private static CsvReader reader(String text) {
        return new CsvReader(new BufferedReader(new StringReader(text)));
    }

    @Test
    void quotedFieldsHoldCommasQuotesAndLineBreaks() throws IOException {
        CsvReader csv = reader("id,title,genres\r\n"
                + "11,\"American President, The (1995)\",Comedy|Drama\r\n"
                + "7789,\"11'09\"\"01 - September 11 (2002)\",Drama\n"
                + "5,\"two\nlines\",\n"
                + "6,a\"b,\"\"\n"
                + ",,\n"
                + "7,last");
        assertEquals(List.of("id", "title", "genres"), csv.next());
        assertEquals(1, csv.recordLine());
        assertEquals(List.of("11", "American President, The (1995)", "Comedy|Drama"), csv.next());
        assertEquals(2, csv.recordLine());
        assertEquals(List.of("7789", "11'09\"01 - September 11 (2002)", "Drama"), csv.next());
        assertEquals(List.of("5", "two\nlines", ""), csv.next());
        assertEquals(4, csv.recordLine());
        assertEquals(List.of("6", "a\"b", ""), csv.next());
        assertEquals(6, csv.recordLine());
        assertEquals(List.of("", "", ""), csv.next());
        assertEquals(List.of("7", "last"), csv.next());
        assertEquals(8, csv.recordLine());
        assertNull(csv.next());
    }

    @Test
    void malformedRecordsAreRejectedAndReadingGoesOnAtTheNextLine() throws IOException {
        CsvReader csv = reader("a,\"b\"x,c\n\n1,2\n\"open,3\n4");
        MalformedRecordException e = assertThrows(MalformedRecordException.class, csv::next);
        assertEquals("text after a closing quote", e.getMessage());
        assertEquals(1, csv.recordLine());
        assertEquals(List.of(""), csv.next());
        assertEquals(2, csv.recordLine());
        assertEquals(List.of("1", "2"), csv.next());
        assertEquals(3, csv.recordLine());
        e = assertThrows(MalformedRecordException.class, csv::next);
        assertEquals("a quoted field is not closed before the end of the file", e.getMessage());
        assertEquals(4, csv.recordLine());
        assertNull(csv.next());
    }
}
