package org.recformer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import it.unimi.dsi.fastutil.ints.IntArrays;
import it.unimi.dsi.fastutil.objects.Object2IntMap;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;
import org.recformer.autograd.GradMode;
import org.recformer.data.Dataset;
import org.recformer.data.batch.Batch;
import org.recformer.data.batch.SequenceBatcher;
import org.recformer.data.encode.ItemTokens;
import org.recformer.data.encode.SequenceEncoder;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForSeqRec;
import org.recformer.tensor.Tensor;
import org.recformer.train.ModelFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code recformer recommend}: the top-k items for user histories given as JSON. Histories may name
 * catalogue items by raw id or give items as attribute maps; {@code new_items} adds items never seen
 * in training to the candidates (cold start): they are scored from their text alone.
 */
@Command(name = "recommend", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Top-k recommendations for user histories given as JSON:",
                "  {\"histories\": {\"alice\": [\"ITEM_ID\", {\"title\": \"...\", \"brand\": \"...\"}]},",
                "   \"new_items\": {\"NEW-1\": {\"title\": \"...\"}}}      (new_items optional: extra candidates, cold start)",
                "Prints {\"alice\": [{\"item\": ..., \"score\": ..., \"title\": ...}, ...]}."})
final class RecommendCommand extends JobCommand {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model folder (e.g. runs/train-.../best).")
    Path model;

    @Option(names = "--data", paramLabel = "DIR", description = "Catalogue dataset folder (default: the items saved with the model).")
    Path data;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSON file of histories (see above).")
    Path input;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "10", description = "Items per user (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "Tokenizer folder (default: the model folder's, else the bundled one).")
    Path tokenizer;

    @Mixin
    DeviceOption device;

    @Mixin
    PrecisionOption precision;

    @Override
    int runJob() throws IOException {
        ModelFactory models = new ModelFactory(precision.backend(device));
        if (topK < 1) throw new IllegalArgumentException("--top-k must be >= 1, got " + topK);
        CatalogueItems catalogue = data != null ? CatalogueItems.of(Dataset.load(data)) : CatalogueItems.readOrNull(model);
        if (catalogue == null) {
            throw new IllegalArgumentException(model.resolve(CatalogueItems.FILE_NAME) + ": file is missing; give the catalogue with --data DIR");
        }
        Request request = Request.read(input, catalogue);
        // New items can only be encoded by the model's current encoder, while a finetuned model's own
        // table E comes from its stage-1 encoder: with new candidates every catalogue item is encoded
        // by the current encoder too (cached), so that all scores are comparable.
        ModelOnCatalogue m = ModelOnCatalogue.load(models, model, tokenizer, catalogue, data != null ? data : model,
                !request.newItems.isEmpty(), 64);

        int n = catalogue.size();
        List<Map<String, String>> extra = new ArrayList<>(request.newItems.values());
        extra.addAll(request.inlineItems);
        ItemTokens tokens = m.withExtraItems(extra);
        SequenceBatcher batcher = new SequenceBatcher(tokens, new SequenceEncoder(m.settings()));
        int candidates = n + request.newItems.size();
        // the scorer's table holds each catalogue item's scoring vector (text, plus its learned ID vector if any),
        // its score offsets those of the catalogue items (new items: 0, as cold items)
        RecformerForSeqRec scorer = new RecformerForSeqRec(m.model().config().with("item_num", candidates)
                .with(RecformerConfig.ITEM_ID_EMBEDDING, false), m.model().longformer());
        Tensor offsets = m.model().itemBiases();
        if (offsets != null) scorer.setItemBiases(Arrays.copyOf(offsets.toArray(), candidates));
        float[] table = new float[candidates * m.model().config().hiddenSize()];
        System.arraycopy(m.model().itemVectors().toArray(), 0, table, 0, n * m.model().config().hiddenSize());
        if (!request.newItems.isEmpty()) {
            float[] fresh = scorer.encodeItems(batcher.singleItems(n, candidates).toModelInput()).toArray();
            System.arraycopy(fresh, 0, table, n * m.model().config().hiddenSize(), fresh.length);
        }
        scorer.setItemEmbeddings(Tensor.of(scorer.backend(), table, candidates, m.model().config().hiddenSize()));
        scorer.eval();

        List<String> names = new ArrayList<>(catalogue.rawIds());
        names.addAll(request.newItems.keySet());
        List<Map<String, String>> attributes = new ArrayList<>(catalogue.attributes());
        attributes.addAll(request.newItems.values());
        ObjectNode out = JSON.createObjectNode();
        List<String> users = new ArrayList<>(request.histories.keySet());
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (int from = 0; from < users.size(); from += 32) {
                List<String> chunk = users.subList(from, Math.min(users.size(), from + 32));
                List<int[]> histories = new ArrayList<>();
                for (String u : chunk) histories.add(request.histories.get(u));
                Batch batch = batcher.histories(histories);
                float[] scores = scorer.scores(m.model().encode(batch.toModelInput(), catalogueItemIds(batch.itemIds(), n))).toArray();
                for (float score : scores) {
                    if (!Float.isFinite(score)) {
                        throw new IllegalArgumentException(model + ": the model gives a score of " + score + " (its weights"
                                + " hold or produce non-finite values); no recommendation can be made with it");
                    }
                }
                for (int b = 0; b < chunk.size(); b++) {
                    ArrayNode list = out.putArray(chunk.get(b));
                    for (int item : top(scores, b * candidates, candidates, topK)) {
                        ObjectNode entry = list.addObject();
                        entry.put("item", names.get(item));
                        entry.put("score", scores[b * candidates + item]);
                        String title = attributes.get(item).get("title");
                        if (title != null) entry.put("title", title);
                    }
                }
            }
        }
        spec.commandLine().getOut().println(JSON.writeValueAsString(out));
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** Indices of the k highest of {@code scores[offset .. offset+n)}, best first (ties: lower index first). */
    static int[] top(float[] scores, int offset, int n, int k) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        IntArrays.mergeSort(order, (a, b) -> Float.compare(scores[offset + b], scores[offset + a])); // stable
        return Arrays.copyOf(order, Math.min(k, n));
    }

    /** The tokens' item ids with those of items outside the model's catalogue ({@code >= n}: new or inline items) as -1: they have no learned ID. */
    private static int[] catalogueItemIds(int[] tokenItemIds, int n) {
        int[] out = tokenItemIds.clone();
        for (int i = 0; i < out.length; i++) if (out[i] >= n) out[i] = -1;
        return out;
    }

    /** The parsed input: histories as item ids of the extended store (catalogue, new items, inline items). */
    private static final class Request {
        final Map<String, int[]> histories = new LinkedHashMap<>();
        final LinkedHashMap<String, Map<String, String>> newItems = new LinkedHashMap<>();
        final List<Map<String, String>> inlineItems = new ArrayList<>();

        static Request read(Path file, CatalogueItems catalogue) throws IOException {
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": file is missing");
            JsonNode root;
            try {
                root = JSON.readTree(file.toFile());
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage(), e);
            }
            if (root == null || !root.isObject() || !root.path("histories").isObject()) {
                throw new IllegalArgumentException(file + ": expected an object with \"histories\": {user: [items...]}");
            }
            Request r = new Request();
            Object2IntMap<String> index = new Object2IntOpenHashMap<>();
            index.defaultReturnValue(-1);
            for (int i = 0; i < catalogue.size(); i++) index.put(catalogue.rawIds().get(i), i);
            JsonNode fresh = root.path("new_items");
            if (!fresh.isMissingNode()) {
                if (!fresh.isObject()) throw new IllegalArgumentException(file + ": \"new_items\" must be an object id -> attributes");
                for (Iterator<Map.Entry<String, JsonNode>> it = fresh.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (index.containsKey(e.getKey())) throw new IllegalArgumentException(file + ": new item \"" + e.getKey() + "\" is already in the catalogue");
                    r.newItems.put(e.getKey(), attributes(e.getValue(), file, "new_items." + e.getKey()));
                }
            }
            int next = catalogue.size();
            for (String id : r.newItems.keySet()) index.put(id, next++);
            int inlineBase = next;
            for (Iterator<Map.Entry<String, JsonNode>> it = root.get("histories").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isArray()) throw new IllegalArgumentException(file + ": history of \"" + e.getKey() + "\" must be a list");
                int[] ids = new int[e.getValue().size()];
                for (int i = 0; i < ids.length; i++) {
                    JsonNode item = e.getValue().get(i);
                    if (item.isTextual()) {
                        int id = index.getInt(item.asText());
                        if (id < 0) {
                            throw new IllegalArgumentException(file + ": history of \"" + e.getKey() + "\": item \"" + item.asText()
                                    + "\" is not in the catalogue (give unseen items as attribute maps)");
                        }
                        ids[i] = id;
                    } else {
                        r.inlineItems.add(attributes(item, file, "history of \"" + e.getKey() + "\" item " + i));
                        ids[i] = inlineBase + r.inlineItems.size() - 1;
                    }
                }
                r.histories.put(e.getKey(), ids);
            }
            return r;
        }

        private static LinkedHashMap<String, String> attributes(JsonNode node, Path file, String where) {
            if (!node.isObject() || node.isEmpty()) throw new IllegalArgumentException(file + ": " + where + " must be an item id or a non-empty attribute map");
            LinkedHashMap<String, String> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) throw new IllegalArgumentException(file + ": " + where + ": attribute \"" + e.getKey() + "\" must be a string");
                out.put(e.getKey(), e.getValue().asText());
            }
            return out;
        }
    }
}
