package dev.isthmus.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** predict's decoding: in input order, and never more than the window decoded ahead of the consumer. */
class DecodeWindowTest {
    @Test
    void holdsAtMostTheWindowAndKeepsInputOrder() throws Exception {
        List<Integer> inputs = IntStream.range(0, 2000).boxed().toList();
        AtomicInteger held = new AtomicInteger(), most = new AtomicInteger();
        int window = 7;
        try (DecodeWindow<Integer, Integer> w = new DecodeWindow<>(inputs, i -> {
            most.accumulateAndGet(held.incrementAndGet(), Math::max);
            return i * 3;
        }, 3, window)) {
            int expect = 0;
            while (w.hasNext()) {
                assertEquals(expect * 3, w.peek(), "peek does not consume");
                assertEquals(expect * 3, w.take());
                held.decrementAndGet();
                expect++;
                if (expect % 100 == 0) Thread.sleep(1); // a slow consumer: the decoders must wait, not run ahead
            }
            assertEquals(inputs.size(), expect);
        }
        // the window ahead, plus the item the consumer holds until it lets go of it
        assertTrue(most.get() <= window + 1, "at most " + window + " decoded ahead, saw " + most.get());
    }

    @Test
    void aDecoderFailureReachesTheConsumerAtItsInput() throws Exception {
        try (DecodeWindow<Integer, Integer> w = new DecodeWindow<>(List.of(1, 2, 3), i -> {
            if (i == 2) throw new IllegalStateException("bad input 2");
            return i;
        }, 2, 2)) {
            assertEquals(1, w.take());
            IllegalStateException e = assertThrows(IllegalStateException.class, w::take);
            assertEquals("bad input 2", e.getMessage());
        }
    }
}
