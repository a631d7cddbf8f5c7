package dev.isthmus.cli;

import dev.isthmus.engine.errors.IsthmusException;
import dev.isthmus.formats.TextFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The texts a text command was given, in order: the {@code --text} values, then each argument: a text file (or the
 * {@code .txt} files of a directory or glob), one input each, or {@code -}, one input per non-blank line of standard
 * input (the default when nothing else is given). A file that cannot be read, or is not UTF-8, is that input's error.
 */
final class TextInputs {
    private TextInputs() {
    }

    /** One text: where it came from ({@code --text}, {@code stdin:N} or the file), the file or null, and its text or error. */
    record Text(String source, Path file, String text, String error) {
    }

    static List<Text> read(List<String> texts, List<String> args) throws IOException {
        List<Text> out = new ArrayList<>();
        for (String t : texts) out.add(new Text("--text", null, t, null));
        for (String a : args.isEmpty() && texts.isEmpty() ? List.of("-") : args) {
            if (a.equals("-")) {
                BufferedReader reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                int n = 0;
                for (String line; (line = reader.readLine()) != null; ) {
                    n++;
                    if (!line.isBlank()) out.add(new Text("stdin:" + n, null, line, null));
                }
                continue;
            }
            for (Path f : FileArgs.expand(List.of(a), List.of("txt"))) {
                try {
                    out.add(new Text(f.toString(), f, TextFiles.readUtf8(f), null));
                } catch (IsthmusException e) {
                    out.add(new Text(f.toString(), f, null, e.getMessage()));
                }
            }
        }
        if (out.isEmpty()) throw new UsageException("no text given (use --text, files, or lines on standard input)");
        return out;
    }
}
