package dev.isthmus.cli;

import dev.isthmus.Classifier;
import dev.isthmus.Isthmus;
import dev.isthmus.engine.errors.IsthmusException;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.formats.quant.Agreement;
import dev.isthmus.formats.quant.QuantizedFile;
import dev.isthmus.formats.quant.Quantizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code isthmus quantize}: a model's weight matrices as int8 or bf16, in one self-contained file. */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a smaller copy of a model with its weight matrices in int8 or bf16.", "",
                "Quantizes the weights of Linear, Conv1d/Conv2d and GRU/LSTM/RNN layers (weight_ih, weight_hh) and the four "
                        + "projections of Transformer encoder layers; biases, "
                        + "norms, embeddings and everything else stay F32. int8: per output channel, symmetric (one F32 "
                        + "scale per row, stored as <tensor>_scale; q = round(w / scale) in [-127, 127]). bf16: rounded to "
                        + "nearest even. The output is one .safetensors file with the spec in its metadata, recording what "
                        + "was quantized; it loads with run, predict, bench, inspect and the Java API like any model. "
                        + "Linear and GRU layers keep the weights in 1 or 2 bytes and widen them as they compute; the "
                        + "other layers widen them to F32 at load.",
                "A Hugging Face directory (config.json, model.safetensors, tokenizer, sentence-transformers modules) "
                        + "becomes a directory laid out like it: every other file copied, model.safetensors quantized "
                        + "(what was done recorded in its metadata).", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  isthmus quantize examples/mnist mnist-int8.safetensors",
                "  isthmus quantize examples/gru gru-bf16.safetensors --dtype bf16",
                "  isthmus quantize examples/mnist mnist-int8.safetensors --calibrate examples/mnist/digits",
                "  isthmus predict mnist-int8.safetensors examples/mnist/digits",
                "  isthmus quantize examples/text text-int8 --calibrate examples/text/sentences.txt"})
final class QuantizeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    Verbosity verbosity;

    @Parameters(index = "0", paramLabel = "MODEL", description = "An isthmus model: a .safetensors file or a model directory.")
    Path model;

    @Parameters(index = "1", paramLabel = "OUT", description = "The .safetensors file to write (replaced if it exists); for a "
            + "Hugging Face directory, a new or empty directory.")
    Path out;

    @Option(names = "--dtype", paramLabel = "D", defaultValue = "int8", description = "int8 or bf16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--calibrate", paramLabel = "FILE|DIR|GLOB", arity = "1..*",
            description = "Inputs to compare the quantized model with the original on (images or sequences as predict takes "
                    + "them; for text models, text files with one input per line): prints how many get the same best label "
                    + "and the cosine similarity of the outputs.")
    List<String> calibrate = new ArrayList<>();

    @Override
    public Integer call() {
        DType d;
        try {
            d = Quantizer.parseDType(dtype);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--dtype must be int8 or bf16, got '" + dtype + "'");
        }
        QuantizedFile.Result r = QuantizedFile.write(model, out, d);
        PrintWriter o = spec.commandLine().getOut();
        o.println(Terminal.printable(String.format(Locale.ROOT, "%s: %d tensor%s quantized to %s; %s → %s (%.2f×)", out,
                r.tensors().size(), r.tensors().size() == 1 ? "" : "s", Quantizer.dtypeName(d), Bytes.human(r.inputBytes()),
                Bytes.human(r.outputBytes()), (double) r.outputBytes() / Math.max(1, r.inputBytes()))));
        if (verbosity.verbose) for (String t : r.tensors()) o.println("  " + Terminal.printable(t));
        if (!calibrate.isEmpty()) o.println(agreement(d));
        return 0;
    }

    /** The written model against the original on the --calibrate inputs, one line. */
    private String agreement(DType d) {
        Isthmus.Options one = Isthmus.options().threads(1);
        try (Classifier original = Isthmus.classifier(model, one);
             Classifier quantized = Classifier.of(Isthmus.load(out, one), model, true)) {
            List<Path> files = FileArgs.expand(calibrate, original.extensions());
            if (files.isEmpty()) throw new UsageException("--calibrate: no input files found in " + calibrate);
            Agreement a;
            if (original.kind() == Classifier.Kind.TEXT) {
                // a text model's calibration set: every non-blank line of the files is one input
                List<Classifier.Input> texts = new ArrayList<>();
                for (Path f : files) {
                    List<String> lines = dev.isthmus.formats.TextFiles.readUtf8(f).lines().toList();
                    for (int i = 0; i < lines.size(); i++) {
                        if (!lines.get(i).isBlank()) texts.add(original.text(f + ":" + (i + 1), lines.get(i)));
                    }
                }
                a = Agreement.measure(original, quantized, texts, t -> t, 32);
            } else {
                a = Agreement.measure(original, quantized, files, original::file, 32);
            }
            if (a.inputs() == 0) {
                throw new IsthmusException(out + " was written, but none of the --calibrate inputs (" + files.size() + " file"
                        + (files.size() == 1 ? "" : "s") + ") could be "
                        + "read or run ('isthmus predict " + model + " ...' says why for each)");
            }
            return String.format(Locale.ROOT, "calibration on %d input%s%s: the same best label for %d (%.2f%%); cosine of the "
                            + "outputs mean %.6f, lowest %.6f; largest difference %.3g", a.inputs(), a.inputs() == 1 ? "" : "s",
                    a.failed() > 0 ? " (" + a.failed() + " unreadable, left out)" : "", a.sameTop1(), 100.0 * a.sameTop1() / a.inputs(),
                    a.meanCos(), a.minCos(), a.maxDiff());
        }
    }
}
