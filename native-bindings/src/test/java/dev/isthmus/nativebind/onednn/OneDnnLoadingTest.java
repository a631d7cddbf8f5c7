package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.backend.BackendProvider;
import dev.isthmus.engine.backend.BackendStatus;
import dev.isthmus.engine.backend.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finding, extracting, checking and loading libdnnl; what the probe says when it can't. */
class OneDnnLoadingTest {
    @TempDir
    Path tmp;

    private static LibraryLocator locator(Map<String, String> env, Properties props) {
        return new LibraryLocator(env, props, OneDnnLoadingTest.class.getClassLoader());
    }

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) p.setProperty(kv[i], kv[i + 1]);
        return p;
    }

    @Test
    void probeLoadsVersion3FromTheBundledJar() {
        OneDnnStatus s = OneDnn.probe();
        assertTrue(s.available(), s.reason());
        assertTrue(s.version().startsWith("3."), s.version());
        assertEquals(OneDnn.bindingsVersion(), s.version(), "the jar's library is the version the bindings were generated from");
        assertNotNull(s.isa());
        assertFalse(s.isa().startsWith("isa 0x"), "unknown ISA value: " + s.isa());
        assertEquals("OpenMP", s.runtime());
        assertTrue(Files.isRegularFile(s.library()), String.valueOf(s.library()));
        assertTrue(s.library().isAbsolute());
        assertNull(s.reason());
        assertTrue(s.describe().contains(s.version()));
    }

    @Test
    void theEngineFindsTheProviderWithServiceLoader() {
        BackendProvider p = Backends.providers().stream().filter(x -> x.name().equals("onednn")).findFirst().orElseThrow();
        BackendStatus s = p.probe();
        assertTrue(s.available(), s.detail());
        assertTrue(s.version().startsWith("oneDNN 3."), s.version());
        assertTrue(Backends.names().contains("onednn"));
        try (var b = Backends.open("onednn", 1)) {
            assertEquals("onednn", b.name());
            assertTrue(b instanceof OneDnnBackend);
        }
    }

    @Test
    void anExplicitPathThatDoesNotExistIsReportedNotReplaced() {
        Path bogus = tmp.resolve("nowhere/libdnnl.so.3");
        var e = assertThrows(LibraryLocator.NotFound.class,
                () -> locator(Map.of(), props(LibraryLocator.PROPERTY, bogus.toString())).locate());
        assertTrue(e.getMessage().contains("-D" + LibraryLocator.PROPERTY + " points to " + bogus), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        var f = assertThrows(LibraryLocator.NotFound.class,
                () -> locator(Map.of(LibraryLocator.ENV, bogus.toString()), new Properties()).locate());
        assertTrue(f.getMessage().startsWith(LibraryLocator.ENV + " points to"), f.getMessage());
    }

    @Test
    void thePropertyWinsOverTheEnvironmentAndAFolderMeansTheLibraryInIt() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("lib"));
        Files.writeString(dir.resolve(LibraryLocator.LIBRARY), "x");
        LibraryLocator.Located l = locator(Map.of(LibraryLocator.ENV, "/elsewhere"), props(LibraryLocator.PROPERTY, dir.toString())).locate();
        assertEquals(dir.resolve(LibraryLocator.LIBRARY).toAbsolutePath(), l.library());
        assertEquals("-D" + LibraryLocator.PROPERTY, l.source());
    }

    @Test
    void theBundledLibraryIsExtractedOnceAtomicallyAndReused() throws Exception {
        Path cache = tmp.resolve("cache");
        LibraryLocator loc = locator(Map.of(), props(LibraryLocator.CACHE_PROPERTY, cache.toString()));
        LibraryLocator.Located first = loc.locate();
        assertEquals("bundled", first.source());
        assertTrue(first.library().startsWith(cache.resolve("onednn")), first.library().toString());
        Path dir = first.library().getParent();
        assertTrue(dir.getFileName().toString().startsWith("3.13-1.5.14-"), dir.toString());
        for (String f : LibraryLocator.BUNDLED_FILES) assertTrue(Files.size(dir.resolve(f)) > 0, f);
        FileTime written = Files.getLastModifiedTime(first.library());
        // a leftover of a crashed extraction, old enough to be stale
        Path stale = Files.createDirectory(cache.resolve("onednn/.tmp-crashed"));
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minusSeconds(3600)));

        LibraryLocator.Located second = loc.locate();
        assertEquals(first.library(), second.library());
        assertEquals(written, Files.getLastModifiedTime(second.library()), "reused, not rewritten");
        assertTrue(Files.exists(stale), "a reuse touches nothing");

        // a damaged folder (a file deleted) is replaced, and stale temporaries go with the extraction
        Files.delete(dir.resolve("libgomp.so.1"));
        LibraryLocator.Located third = loc.locate();
        assertEquals(first.library(), third.library());
        assertTrue(Files.size(dir.resolve("libgomp.so.1")) > 0);
        assertFalse(Files.exists(stale), "stale temporary folders are removed");
        try (Stream<Path> s = Files.list(cache.resolve("onednn"))) {
            List<String> names = s.map(p -> p.getFileName().toString()).toList();
            assertEquals(List.of(dir.getFileName().toString()), names, "no litter: " + names);
        }
    }

    @Test
    void theRecordedDigestsAreTheBundledFilesOnTheClassPath() throws Exception {
        String platform = LibraryLocator.platform();
        org.junit.jupiter.api.Assumptions.assumeTrue("linux-x86_64".equals(platform), "digests are recorded for linux-x86_64");
        for (String f : LibraryLocator.BUNDLED_FILES) {
            String recorded = BundledDigests.RECORDED.get("3.13-1.5.14/" + platform + "/" + f);
            assertNotNull(recorded, "a digest recorded for the pinned artifact's " + f);
            try (java.io.InputStream in = getClass().getClassLoader().getResourceAsStream("org/bytedeco/dnnl/" + platform + "/" + f)) {
                assertNotNull(in, f);
                assertEquals(recorded, BundledDigests.sha256(in), f);
            }
        }
    }

    @Test
    void anAlteredCachedLibraryIsExtractedAgainBeforeItIsLoaded() throws Exception {
        // a library placed in the cache folder ran its constructor in the next run; a truncated one crashed every later
        // run with SIGBUS and never repaired itself. Each is replaced by the bundled bytes before the path is handed out
        Path cache = tmp.resolve("cache");
        LibraryLocator loc = locator(Map.of(), props(LibraryLocator.CACHE_PROPERTY, cache.toString()));
        Path lib = loc.locate().library();
        Path gomp = lib.resolveSibling("libgomp.so.1");
        byte[] good = Files.readAllBytes(gomp);
        java.util.function.Consumer<String> restored = what -> {
            try {
                assertEquals(lib, loc.locate().library());
                assertTrue(java.util.Arrays.equals(good, Files.readAllBytes(gomp)), what + ": the bundled bytes are back");
                assertFalse(Files.isSymbolicLink(gomp), what);
            } catch (Exception e) {
                throw new AssertionError(what, e);
            }
        };
        byte[] planted = good.clone();
        planted[planted.length / 2] ^= 1; // same size, one bit changed
        Files.write(gomp, planted);
        restored.accept("one bit changed");
        Files.write(gomp, java.util.Arrays.copyOf(good, good.length / 3));
        restored.accept("truncated");
        Path elsewhere = Files.write(tmp.resolve("evil.so"), planted);
        Files.delete(gomp);
        Files.createSymbolicLink(gomp, elsewhere);
        restored.accept("a symbolic link to another file");
    }

    @Test
    void aCacheFolderWritableByOthersIsRefused() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("shared-cache"));
        java.nio.file.attribute.PosixFileAttributeView view = Files.getFileAttributeView(root, java.nio.file.attribute.PosixFileAttributeView.class);
        org.junit.jupiter.api.Assumptions.assumeTrue(view != null, "POSIX permissions");
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        LibraryLocator loc = locator(Map.of(), props(LibraryLocator.CACHE_PROPERTY, root.toString()));
        LibraryLocator.NotFound e = assertThrows(LibraryLocator.NotFound.class, loc::locate);
        assertTrue(e.getMessage().contains("refusing to load native code from the cache folder: " + root + " is writable by other users"),
                e.getMessage());
        assertFalse(Files.exists(root.resolve("onednn").resolve(LibraryLocator.LIBRARY)), "nothing extracted");
    }

    @Test
    void concurrentFirstExtractionsAllGetTheCompleteFolder() throws Exception {
        // four processes on an empty cache folder lost the rename race 6 times in 20 ("Can't load library", "cannot
        // extract ... Directory not empty"); here four threads with locators of their own, five rounds, some rounds
        // with a damaged folder to replace
        for (int round = 0; round < 5; round++) {
            Path cache = tmp.resolve("race-" + round);
            if (round % 2 == 1) {
                Path seeded = locator(Map.of(), props(LibraryLocator.CACHE_PROPERTY, cache.toString())).locate().library().getParent();
                Files.delete(seeded.resolve("libgomp.so.1"));
            }
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(4);
            List<java.util.concurrent.Future<Path>> results = new ArrayList<>();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                for (int t = 0; t < 4; t++) {
                    results.add(pool.submit(() -> {
                        LibraryLocator loc = locator(Map.of(), props(LibraryLocator.CACHE_PROPERTY, cache.toString()));
                        start.await();
                        return loc.locate().library();
                    }));
                }
                for (java.util.concurrent.Future<Path> f : results) {
                    Path lib = f.get(120, TimeUnit.SECONDS); // rethrows a failed extraction
                    for (String name : LibraryLocator.BUNDLED_FILES) {
                        assertTrue(Files.isRegularFile(lib.resolveSibling(name)) && Files.size(lib.resolveSibling(name)) > 0,
                                "round " + round + ": " + name + " in " + lib.getParent());
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void theCacheFolderDefaultsToXdgThenHome() {
        assertEquals(Path.of("/x/cache/isthmus"), locator(Map.of("XDG_CACHE_HOME", "/x/cache"), new Properties()).cacheRoot());
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "isthmus"), locator(Map.of(), new Properties()).cacheRoot());
        assertEquals(Path.of("/c"), locator(Map.of(LibraryLocator.CACHE_ENV, "/c", "XDG_CACHE_HOME", "/x"), new Properties()).cacheRoot());
    }

    /** The probe runs once per process, so these run in a fresh JVM each. */
    private static String probeInChild(String... jvmArgs) throws IOException, InterruptedException {
        return probeInChildWithClassPath(System.getProperty("java.class.path"), jvmArgs);
    }

    private static String probeInChildWithClassPath(String classPath, String... jvmArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", classPath, ProbeMain.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        // keep our lines: the JVM may add warnings of its own (e.g. about a file dlopen refused)
        return out.lines().filter(l -> l.startsWith("available: ") || l.startsWith("unavailable: ") || l.startsWith("open: ") || l.startsWith("auto: "))
                .reduce((a, b) -> a + "\n" + b).orElse(out);
    }

    @Test
    void withABogusExplicitPathTheProbeSaysWhyAndOpeningFailsWithTheReason() throws Exception {
        String out = probeInChild("-D" + LibraryLocator.PROPERTY + "=/nonexistent/libdnnl.so.3");
        assertTrue(out.startsWith("unavailable: -Disthmus.onednn.library points to /nonexistent/libdnnl.so.3, which does not exist"), out);
        assertTrue(out.contains("open: cannot use oneDNN: -Disthmus.onednn.library points to"), out);
    }

    @Test
    void withoutTheJarOnTheClassPathTheProbeSaysSoAndTheEngineFallsBackToJava() throws Exception {
        String cp = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(e -> !e.replace('\\', '/').contains("/org/bytedeco/dnnl/"))
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        assertTrue(cp.length() < System.getProperty("java.class.path").length(), "the dnnl jar should be on the test class path");
        String out = probeInChildWithClassPath(cp);
        assertTrue(out.startsWith("unavailable: oneDNN is not on the class path: no org/bytedeco/dnnl/linux-x86_64/libdnnl.so.3"), out);
        assertTrue(out.contains("-Disthmus.onednn.library="), out);
        assertTrue(out.contains("auto: java"), out);
    }

    @Test
    void aLibraryThatIsNotOneDnnIsRefusedByName() throws Exception {
        Path gomp = OneDnn.probe().library().resolveSibling("libgomp.so.1");
        String out = probeInChild("-D" + LibraryLocator.PROPERTY + "=" + gomp);
        assertTrue(out.startsWith("unavailable: " + gomp + " (-Disthmus.onednn.library) is not oneDNN: it has no dnnl_version()"), out);
    }

    @Test
    void aLibraryWhoseDnnlVersionReturnsNullIsRefusedWithoutACrash() throws Exception {
        // reading the version through the null pointer ended the JVM with SIGSEGV; the child must exit normally
        Path src = Files.writeString(tmp.resolve("null_version.c"), "const void *dnnl_version(void) { return 0; }\n");
        Path lib = tmp.resolve("libdnnl.so.3");
        Process cc;
        try {
            cc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-o", lib.toString(), src.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no gcc here to build the test library: " + e.getMessage());
            return;
        }
        String ccOut = new String(cc.getInputStream().readAllBytes());
        org.junit.jupiter.api.Assumptions.assumeTrue(cc.waitFor() == 0 && Files.isRegularFile(lib), "gcc failed: " + ccOut);
        String out = probeInChild("-D" + LibraryLocator.PROPERTY + "=" + lib);
        assertTrue(out.startsWith("unavailable: " + lib + " (-Disthmus.onednn.library) is not a usable oneDNN: its dnnl_version() returned NULL"), out);
    }

    @Test
    void aFileTheLinkerRefusesIsReportedWithTheLinkersReason() throws Exception {
        Path junk = Files.writeString(tmp.resolve("libdnnl.so.3"), "not an ELF file");
        String out = probeInChild("-D" + LibraryLocator.PROPERTY + "=" + junk);
        assertTrue(out.startsWith("unavailable: cannot load " + junk + " (-Disthmus.onednn.library): file too short"), out);
        assertTrue(out.contains("ELF") || out.contains("too short") || out.contains("invalid"), out);
    }

    @Test
    void anotherMajorVersionIsRefusedWithItsVersion() throws Exception {
        // Debian's libdnnl2 (apt-get install libdnnl2), when installed; skipped otherwise
        Path v2 = Path.of("/usr/lib/x86_64-linux-gnu/libdnnl.so.2");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(v2), "no " + v2 + " here");
        String out = probeInChild("-D" + LibraryLocator.PROPERTY + "=" + v2);
        assertTrue(out.matches("(?s)unavailable: " + java.util.regex.Pattern.quote(v2 + " (-Disthmus.onednn.library) is oneDNN 2.")
                + "\\d+\\.\\d+; isthmus needs oneDNN 3\\.x.*"), out);
    }

    @Test
    void anExplicitPathToTheRealLibraryLoads() throws Exception {
        Path lib = OneDnn.probe().library();
        String out = probeInChild("-D" + LibraryLocator.PROPERTY + "=" + lib);
        assertTrue(out.startsWith("available: " + OneDnn.probe().version()), out);
        assertTrue(out.contains("-D" + LibraryLocator.PROPERTY + ": " + lib), out);
    }
}
