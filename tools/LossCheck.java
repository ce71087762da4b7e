import org.recformer.backend.Backends;
import org.recformer.model.ModelSize;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerRecipe;
import org.recformer.train.ModelFactory;
import org.recformer.train.bench.BenchShape;
import org.recformer.train.bench.TrainStepBenchmark;

/**
 * Last training loss after 4 AdamW steps (fixed seed) of small finetune (full and sampled softmax) and
 * pretraining runs, for comparing two builds: {@code java --add-modules jdk.incubator.vector
 * -XX:PerMethodTrapLimit=10000 -cp target/recformer.jar tools/LossCheck.java HIDDEN_DROPOUT} against
 * each jar (docs/results-bench.md).
 * Works with jars from before and after {@code BenchShape} took {@code realTokens}.
 */
public class LossCheck {
    public static void main(String[] args) throws Exception {
        double hiddenDropout = Double.parseDouble(args[0]);
        var ctor = BenchShape.class.getDeclaredConstructors()[0];
        BenchShape shape = ctor.getParameterCount() == 5 ? (BenchShape) ctor.newInstance(4, 300, 3, 1, 7L)
                : (BenchShape) ctor.newInstance(4, 300, 3, 1, 7L, 0.875);
        RecformerConfig base = RecformerRecipe.freshConfig(new ModelSize(64, 2, 4, 256), RecformerRecipe.ROBERTA_VOCAB_SIZE,
                RecformerRecipe.ROBERTA_SPECIALS, 300, 64).with("hidden_dropout_prob", hiddenDropout);
        String[][] cases = {{"finetune", "0"}, {"finetune", "50"}, {"pretrain", "0"}};
        for (String[] c : cases) {
            RecformerConfig config = base.with("finetune_negative_sample_size", Integer.parseInt(c[1]));
            var r = TrainStepBenchmark.run(new ModelFactory(Backends.cpu()), config, RecformerRecipe.ROBERTA_SPECIALS,
                    new TrainStepBenchmark.Settings(c[0], shape, 1000));
            System.out.printf("%s negatives %s hidden dropout %s: last loss %.9g%n", c[0], c[1], hiddenDropout, r.lastLoss());
        }
    }
}
