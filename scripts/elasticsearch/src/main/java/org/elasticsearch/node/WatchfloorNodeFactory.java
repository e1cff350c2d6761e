package org.elasticsearch.node;

import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;
import org.elasticsearch.plugins.WatchfloorClasspathPluginsService;

import java.util.Collection;
import java.util.List;

/**
 * Era "pluginsloader" (ES 8.18.x / 8.19.x): builds a {@link Node} the way the production bootstrap
 * (org.elasticsearch.bootstrap.Elasticsearch) does, minus the bootstrap itself, and with our own
 * NodeServiceProvider that supplies classpath plugins.
 *
 * Lives in org.elasticsearch.node because Node(NodeConstruction), NodeConstruction.prepareConstruction and
 * NodeServiceProvider are package-private. Own code (Watchfloor test node).
 */
public final class WatchfloorNodeFactory {

    public static final String ERA = "pluginsloader (8.18+)";

    private WatchfloorNodeFactory() {}

    public static Node create(Settings settings, Collection<Class<? extends Plugin>> classpathPlugins) {
        List<Class<? extends Plugin>> plugins = List.copyOf(classpathPlugins);
        // configPath=null => <path.home>/config
        Environment environment = new Environment(settings, null);
        PluginsLoader emptyLoader = WatchfloorClasspathPluginsService.emptyPluginsLoader();
        NodeServiceProvider services = new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment initialEnvironment, PluginsLoader pluginsLoader) {
                return new WatchfloorClasspathPluginsService(initialEnvironment.settings(), pluginsLoader, plugins);
            }
        };
        // forbidPrivateIndexSettings=true is the production value
        return new Node(NodeConstruction.prepareConstruction(environment, emptyLoader, services, true));
    }
}
