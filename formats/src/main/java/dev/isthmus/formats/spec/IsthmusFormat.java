package dev.isthmus.formats.spec;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.formats.ModelFormat;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.TextFiles;
import dev.isthmus.formats.safetensors.SafetensorsFile;

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
            return SpecReader.read(TextFiles.readUtf8(loc.specFile()), loc.specFile().toString());
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
