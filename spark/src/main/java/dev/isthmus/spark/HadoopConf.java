package dev.isthmus.spark;

import org.apache.hadoop.conf.Configuration;

import java.util.HashMap;
import java.util.Map;

/**
 * The driver's Hadoop configuration (file systems, credentials set with {@code spark.hadoop.*}) as plain entries, so
 * tasks can carry it to the executors and open paths there as the driver would.
 */
final class HadoopConf {
    private HadoopConf() {
    }

    static HashMap<String, String> entries(Configuration conf) {
        HashMap<String, String> out = new HashMap<>();
        for (Map.Entry<String, String> e : conf) out.put(e.getKey(), e.getValue());
        return out;
    }

    static Configuration of(Map<String, String> entries) {
        Configuration conf = new Configuration(false);
        entries.forEach(conf::set);
        return conf;
    }
}
