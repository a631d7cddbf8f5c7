package dev.isthmus.formats.spec;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.formats.ModelFormat;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.RegularFiles;
import dev.isthmus.formats.safetensors.SafetensorsFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/** The {@code isthmus/1} and {@code isthmus/2} specs: in a JSON file beside the weights, or in their metadata. */
public final class IsthmusFormat implements ModelFormat {
    @Override
    public String name() {
        return "isthmus";
    }

    @Override
    public boolean reads(ModelLoader.Location loc) {
        return true;
    }

    @Override
    public ModelSpec spec(ModelLoader.Location loc, SafetensorsFile file) {
        if (loc.specFile() != null) {
            String json;
            RegularFiles.require(loc.specFile());
            try {
                json = Files.readString(loc.specFile(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ModelFormatException(loc.specFile().toString(), null, "io", "cannot read: " + ModelLoader.describe(e), e);
            }
            return SpecReader.read(json, loc.specFile().toString());
        }
        String json = file.metadata().get(ModelLoader.SPEC_KEY);
        if (json == null) {
            throw new ModelFormatException(loc.weights().toString(), null, "no-spec",
                    "no model spec: the metadata has no '" + ModelLoader.SPEC_KEY + "' and there is no " + ModelLoader.SPEC_FILE
                            + " beside the weights");
        }
        return SpecReader.read(json, loc.weights() + " (metadata " + ModelLoader.SPEC_KEY + ")");
    }
}
