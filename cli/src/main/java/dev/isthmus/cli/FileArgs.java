package dev.isthmus.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Expands FILE, DIR and GLOB arguments into a list of files, in a stable order. */
final class FileArgs {
    private FileArgs() {
    }

    /**
     * Files are kept as given (even with another extension: the decoder reports them); directories are walked
     * recursively, keeping files with one of {@code extensions}, sorted by path; a pattern with {@code * ? [ {} is
     * matched as a glob (e.g. {@code photos/**.png}) below its longest literal prefix directory.
     */
    static List<Path> expand(List<String> args, List<String> extensions) {
        List<Path> out = new ArrayList<>();
        for (String a : args) {
            // Path.of("") is the working directory, which was walked as if it had been named
            if (a.isEmpty()) throw new UsageException("an input is an empty path ('')");
            Path p = Path.of(a);
            if (Files.isDirectory(p)) {
                out.addAll(walk(p, f -> hasExtension(f, extensions)));
            } else if (!Files.exists(p) && a.matches(".*[*?\\[{].*")) {
                int cut = firstGlobChar(a);
                int slash = a.lastIndexOf('/', cut);
                Path base = slash < 0 ? Path.of(".") : Path.of(a.substring(0, slash + 1));
                PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + a);
                List<Path> hits = Files.isDirectory(base) ? walk(base, f -> m.matches(slash < 0 ? base.relativize(f) : f)) : List.of();
                if (hits.isEmpty()) throw new UsageException("no files match '" + a + "'");
                out.addAll(hits);
            } else {
                out.add(p); // missing or unreadable files are reported by the decoder, the rest go on
            }
        }
        return out;
    }

    private static int firstGlobChar(String s) {
        for (int i = 0; i < s.length(); i++) if ("*?[{".indexOf(s.charAt(i)) >= 0) return i;
        return s.length();
    }

    private static boolean hasExtension(Path f, List<String> extensions) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String e : extensions) if (n.endsWith("." + e)) return true;
        return false;
    }

    private static List<Path> walk(Path dir, java.util.function.Predicate<Path> keep) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(keep).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
