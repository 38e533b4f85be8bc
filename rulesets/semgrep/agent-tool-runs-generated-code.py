import pandas as pd
from autogen import AssistantAgent, UserProxyAgent
from autogen.coding import DockerCommandLineCodeExecutor, LocalCommandLineCodeExecutor
from crewai import Agent
from langchain.agents import AgentType, initialize_agent, load_tools
from langchain_community.tools import DuckDuckGoSearchRun
from langchain_experimental.agents import create_pandas_dataframe_agent
from langchain_experimental.tools import PythonREPLTool
from langchain_openai import ChatOpenAI
from smolagents import CodeAgent, InferenceClientModel

llm = ChatOpenAI(model="gpt-4o-mini", temperature=0)


def analyst(csv_path: str):
    df = pd.read_csv(csv_path)
    # ruleid: agent-tool-runs-generated-code
    return create_pandas_dataframe_agent(llm, df, verbose=True, allow_dangerous_code=True)


def research_agent():
    # ruleid: agent-tool-runs-generated-code
    tools = [DuckDuckGoSearchRun(), PythonREPLTool()]
    return initialize_agent(tools, llm, agent=AgentType.ZERO_SHOT_REACT_DESCRIPTION)


def devops_agent():
    # ruleid: agent-tool-runs-generated-code
    tools = load_tools(["terminal", "llm-math"], llm=llm, allow_dangerous_tools=True)
    return initialize_agent(tools, llm)


def coder_pair():
    assistant = AssistantAgent("coder", llm_config={"model": "qwen-max"})
    # ruleid: agent-tool-runs-generated-code
    executor = LocalCommandLineCodeExecutor(work_dir="coding", timeout=60)
    return assistant, UserProxyAgent("runner", code_execution_config={"executor": executor})


def quick_proxy():
    # ruleid: agent-tool-runs-generated-code
    return UserProxyAgent("runner", human_input_mode="NEVER", code_execution_config={"work_dir": "tmp", "use_docker": False})


def smol():
    # ruleid: agent-tool-runs-generated-code
    return CodeAgent(tools=[], model=InferenceClientModel(), additional_authorized_imports=["*"])


def crew_engineer():
    # ruleid: agent-tool-runs-generated-code
    return Agent(role="Engineer", goal="Fix the failing tests", backstory="...", allow_code_execution=True, code_execution_mode="unsafe")


def safe_analyst(csv_path: str):
    df = pd.read_csv(csv_path)
    # ok: agent-tool-runs-generated-code
    return create_pandas_dataframe_agent(llm, df, allow_dangerous_code=False)


def sandboxed_pair():
    # ok: agent-tool-runs-generated-code
    executor = DockerCommandLineCodeExecutor(image="python:3.12-slim", work_dir="coding")
    # ok: agent-tool-runs-generated-code
    return UserProxyAgent("runner", code_execution_config={"executor": executor, "use_docker": True})


def search_only():
    # ok: agent-tool-runs-generated-code
    tools = load_tools(["ddg-search", "wikipedia"], llm=llm)
    # ok: agent-tool-runs-generated-code
    return CodeAgent(tools=tools, model=InferenceClientModel(), additional_authorized_imports=["numpy", "pandas"])
