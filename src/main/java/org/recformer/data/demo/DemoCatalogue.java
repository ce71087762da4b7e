package org.recformer.data.demo;

import org.recformer.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A SYNTHETIC demo catalogue, generated deterministically from a seed, so the project's main job
 * runs with no download. Items are lab and workshop products with a title, a brand and a category
 * path; each user has a favourite category and brand, and each next item in a sequence is drawn
 * mostly from those (with some drift to a related category), so the item text carries the signal a
 * text-based recommender can learn, while item ids alone are sparse. Written in the Recformer
 * dataset layout (train/val/test/umap/smap/meta_data JSON), the last item of each user being the
 * test label and the one before it the validation label.
 */
public final class DemoCatalogue {
    private static final String[][] CATEGORIES = {
            {"Lab Supplies", "Pipettes", "pipette", "micropipette", "pipette tips"},
            {"Lab Supplies", "Glassware", "beaker", "flask", "graduated cylinder"},
            {"Optics", "Microscopes", "microscope", "objective lens", "slide set"},
            {"Optics", "Lasers", "laser module", "laser pointer", "beam splitter"},
            {"Electronics", "Soldering", "soldering iron", "solder wire", "desoldering pump"},
            {"Electronics", "Test Equipment", "multimeter", "oscilloscope probe", "clamp meter"},
            {"Safety", "Eye Protection", "safety goggles", "face shield", "safety glasses"},
            {"Safety", "Gloves", "nitrile gloves", "cut resistant gloves", "heat resistant gloves"},
            {"Tools", "Measuring", "digital caliper", "micrometer", "tape measure"},
            {"Tools", "Adhesives", "epoxy glue", "super glue", "hot glue sticks"},
    };
    private static final String[] BRANDS = {
            "Apexlab", "Borealis", "Cobaltix", "Dunmore", "Everline", "Fathom", "Gryphon", "Halcyon",
            "Ironwood", "Juniper", "Kestrel", "Lumen", "Meridian", "Northstar", "Orion", "Pinnacle",
            "Quasar", "Redfield", "Sterling", "Tundra",
    };
    private static final String[] ADJECTIVES = {
            "Professional", "Compact", "Heavy Duty", "Precision", "Adjustable", "Portable", "Digital",
            "Industrial", "Premium", "Economy",
    };

    private final int items;
    private final int users;
    private final long seed;

    /** @param items catalogue size; @param users number of users; @param seed generator seed */
    public DemoCatalogue(int items, int users, long seed) {
        if (items < CATEGORIES.length * 2) throw new IllegalArgumentException("need at least " + CATEGORIES.length * 2 + " items");
        if (users < 1) throw new IllegalArgumentException("need at least one user");
        this.items = items;
        this.users = users;
        this.seed = seed;
    }

    /** The default demo: 600 items, 640 users (sized so `recformer train` with no arguments takes a few minutes on 2 cores). */
    public static DemoCatalogue standard() {
        return new DemoCatalogue(600, 640, 2023);
    }

    /** Writes the dataset folder (created if needed); files are replaced atomically. */
    public void writeTo(Path dir) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Map<String, String>> meta = new LinkedHashMap<>();
        Map<String, Integer> smap = new LinkedHashMap<>();
        List<List<Integer>> byCategoryBrand = new ArrayList<>();
        for (int i = 0; i < CATEGORIES.length * BRANDS.length; i++) byCategoryBrand.add(new ArrayList<>());
        for (int i = 0; i < items; i++) {
            int c = i % CATEGORIES.length;
            // each category is sold by 4 brands of its own neighbourhood, so brand also hints category
            int b = (c * 2 + rng.nextInt(4)) % BRANDS.length;
            String[] cat = CATEGORIES[c];
            String noun = cat[2 + rng.nextInt(cat.length - 2)];
            String title = BRANDS[b] + " " + ADJECTIVES[rng.nextInt(ADJECTIVES.length)] + " " + noun
                    + " " + (char) ('A' + rng.nextInt(26)) + (100 + rng.nextInt(900));
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("title", title);
            attrs.put("brand", BRANDS[b]);
            attrs.put("category", "Industrial & Scientific " + cat[0] + " " + cat[1]);
            String asin = String.format("DEMO%06d", i);
            meta.put(asin, attrs);
            smap.put(asin, i);
            byCategoryBrand.get(c * BRANDS.length + b).add(i);
        }

        Map<String, List<Integer>> train = new LinkedHashMap<>();
        Map<String, List<Integer>> val = new LinkedHashMap<>();
        Map<String, List<Integer>> test = new LinkedHashMap<>();
        Map<String, Integer> umap = new LinkedHashMap<>();
        for (int u = 0; u < users; u++) {
            int favouriteCategory = rng.nextInt(CATEGORIES.length);
            int length = 5 + rng.nextInt(11);
            List<Integer> seq = new ArrayList<>();
            int category = favouriteCategory;
            for (int t = 0; t < length; t++) {
                double r = rng.nextDouble();
                if (r < 0.15) category = rng.nextInt(CATEGORIES.length);                  // wander anywhere
                else if (r < 0.45) category = (favouriteCategory ^ 1);                   // the sibling category
                else category = favouriteCategory;
                int brand = (category * 2 + (u % 4 < 3 ? u % 2 : rng.nextInt(4))) % BRANDS.length; // loyal to one or two brands
                List<Integer> pool = byCategoryBrand.get(category * BRANDS.length + brand);
                if (pool.isEmpty()) pool = byCategoryBrand.get(category * BRANDS.length + (category * 2) % BRANDS.length);
                if (pool.isEmpty()) continue;
                int item = pool.get(rng.nextInt(pool.size()));
                if (!seq.isEmpty() && seq.get(seq.size() - 1) == item) continue;
                seq.add(item);
            }
            if (seq.size() < 3) continue;
            String user = String.valueOf(umap.size());
            umap.put("demo-user-" + u, umap.size());
            train.put(user, new ArrayList<>(seq.subList(0, seq.size() - 2)));
            val.put(user, List.of(seq.get(seq.size() - 2)));
            test.put(user, List.of(seq.get(seq.size() - 1)));
        }

        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        write(json, dir.resolve("meta_data.json"), meta);
        write(json, dir.resolve("smap.json"), smap);
        write(json, dir.resolve("umap.json"), umap);
        write(json, dir.resolve("train.json"), train);
        write(json, dir.resolve("val.json"), val);
        write(json, dir.resolve("test.json"), test);
    }

    private static void write(ObjectMapper json, Path file, Object value) throws IOException {
        byte[] bytes = json.writeValueAsBytes(value);
        AtomicFiles.write(file, out -> out.write(bytes));
    }
}
