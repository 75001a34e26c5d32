import CommandLineInterface

PipelineCommand.main()
